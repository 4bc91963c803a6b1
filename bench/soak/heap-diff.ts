import { readFileSync } from 'node:fs';

/** One kind of heap object: V8's node type and its constructor or class name. */
export interface HeapGroup {
  key: string;
  count: number;
  selfBytes: number;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/**
 * A V8 heap snapshot (.heapsnapshot JSON, as DevTools and HeapProfiler write it) summed by kind:
 * for every node, its type (object, closure, string, array, code, ...) and, for objects and
 * closures, its name (constructor or function), with the count and the self size of each.
 */
export function summariseSnapshot(json: SnapshotJson): Map<string, HeapGroup> {
  const fields = json.snapshot.meta.node_fields;
  const types = json.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i + width <= json.nodes.length; i += width) {
    const type = types[json.nodes[i + iType] ?? 0] ?? '?';
    const named = type === 'object' || type === 'closure' || type === 'native';
    const key = named ? `${type} ${json.strings[json.nodes[i + iName] ?? 0] ?? '?'}` : type;
    const g = groups.get(key) ?? { key, count: 0, selfBytes: 0 };
    g.count++;
    g.selfBytes += json.nodes[i + iSize] ?? 0;
    groups.set(key, g);
  }
  return groups;
}

/** What grew from `before` to `after`, largest growth in bytes first. */
export function heapGrowth(
  before: Map<string, HeapGroup>,
  after: Map<string, HeapGroup>,
  top = 25,
): { key: string; countDelta: number; bytesDelta: number; bytesAfter: number }[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .map((key) => {
      const b = before.get(key);
      const a = after.get(key);
      return {
        key,
        countDelta: (a?.count ?? 0) - (b?.count ?? 0),
        bytesDelta: (a?.selfBytes ?? 0) - (b?.selfBytes ?? 0),
        bytesAfter: a?.selfBytes ?? 0,
      };
    })
    .sort((x, y) => y.bytesDelta - x.bytesDelta)
    .slice(0, top);
}

const read = (file: string) => summariseSnapshot(JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson);

// node --import tsx bench/soak/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot>: a table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [beforeFile = '', afterFile = ''] = process.argv.slice(2);
  const before = read(beforeFile);
  const after = read(afterFile);
  const total = (m: Map<string, HeapGroup>) => [...m.values()].reduce((s, g) => s + g.selfBytes, 0);
  process.stdout.write(
    `heap (self sizes): ${(total(before) / 1e6).toFixed(2)} MB -> ${(total(after) / 1e6).toFixed(2)} MB\n` +
      '| kind | count change | bytes change | bytes after |\n|---|---:|---:|---:|\n',
  );
  for (const r of heapGrowth(before, after))
    process.stdout.write(
      `| ${r.key.replaceAll('|', '\\|')} | ${r.countDelta} | ${r.bytesDelta} | ${r.bytesAfter} |\n`,
    );
}
