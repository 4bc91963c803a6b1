import { describe, expect, it } from 'vitest';
import { heapGrowth, summariseSnapshot } from '../../bench/soak/heap-diff.ts';

/** A snapshot in V8's layout: nodes as flat rows of node_fields, names as indexes into strings. */
function snapshot(rows: [type: number, name: number, size: number][]) {
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure'], 'string', 'number'] as [
          string[],
          ...unknown[],
        ],
      },
    },
    nodes: rows.flatMap(([type, name, size], i) => [type, name, i + 1, size, 0, 0, 0]),
    strings: ['', 'Map', 'Transit', 'onTimer', 'some text'],
  };
}

describe('heap snapshot diff', () => {
  it('sums objects and closures by name and other nodes by type, and ranks what grew', () => {
    const before = summariseSnapshot(
      snapshot([
        [3, 1, 80],
        [3, 2, 120],
        [5, 3, 32],
        [2, 4, 20],
      ]),
    );
    const after = summariseSnapshot(
      snapshot([
        [3, 1, 80],
        [3, 2, 120],
        [3, 2, 120],
        [3, 2, 120],
        [5, 3, 32],
        [2, 4, 20],
        [2, 4, 40],
      ]),
    );
    expect(after.get('object Transit')).toEqual({ key: 'object Transit', count: 3, selfBytes: 360 });
    expect(after.get('string')).toEqual({ key: 'string', count: 2, selfBytes: 60 });
    const growth = heapGrowth(before, after, 3);
    expect(growth[0]).toEqual({ key: 'object Transit', countDelta: 2, bytesDelta: 240, bytesAfter: 360 });
    expect(growth[1]).toMatchObject({ key: 'string', countDelta: 1, bytesDelta: 40 });
    expect(growth[2]?.bytesDelta).toBe(0);
  });
});
