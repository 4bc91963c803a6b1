import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAULT_KIND_NAMES, faultInfo } from '../../../sim/faults/fault-kinds.ts';
import { PASS_KINDS } from '../../../sim/passes/pass-mint.ts';
import {
  BurstSchema,
  LaneStaffSchema,
  LaneTrafficSchema,
  ScenarioSchema,
  TrafficSchema,
  YardTrafficSchema,
} from '../../../sim/scenario/schema.ts';

const DOC = readFileSync(new URL('../../../docs/simulator.md', import.meta.url), 'utf8');

describe('docs/simulator.md keeps up with the scenario schema', () => {
  it('lists every fault kind in its table, with its default duration', () => {
    for (const kind of FAULT_KIND_NAMES) {
      const row = DOC.split('\n').find((l) => l.startsWith(`| \`${kind}\` |`));
      expect(row, kind).toBeDefined();
      const info = faultInfo(kind);
      if (info.defaultForMs === undefined) expect(row).toContain('| — |');
      else {
        const s = info.defaultForMs / 1000;
        expect(
          [`| ${s} s |`, `| ${s / 60} min |`].some((t) => row?.includes(t)),
          `${kind}: ${row}`,
        ).toBe(true);
      }
    }
  });

  it('names every field of the format and every pass kind', () => {
    const fields = [
      ...Object.keys(ScenarioSchema.shape),
      ...Object.keys(TrafficSchema.shape),
      ...Object.keys(LaneTrafficSchema.shape),
      ...Object.keys(YardTrafficSchema.shape),
      ...Object.keys(LaneStaffSchema.shape),
      ...Object.keys(BurstSchema.shape),
      ...[
        'at',
        'fault',
        'lane',
        'device',
        'bus',
        'bay',
        'for',
        'bytes',
        'code',
        'count',
        'tempC',
        'repeat',
        'times',
      ],
      ...PASS_KINDS,
    ];
    for (const f of fields)
      expect(DOC, f).toMatch(new RegExp(`\`(traffic\\.)?((yard|lanes|default|laneStaff)\\.)?${f}[\`:.=[]`));
  });
});
