import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { PAGE_MESSAGE_BUDGET } from '../../gateway/web/client/shared/topic-router.ts';
import { buildLayout } from '../../gateway/yard/layout.ts';
import { yardSummary } from '../../gateway/yard/views.ts';
import { YardState } from '../../gateway/yard/yard-state.ts';
import { parseConfig } from '../../site-config/load.ts';
import { MAX_ZONES } from '../../site-config/yard-config.ts';

/**
 * The yard summary carries a line per zone, and the web pages drop a message over their budget
 * (found by a hostile pass: 132 zones made the summary too many items, and the yard page lost it
 * with a console warning only). The config caps the zones where the largest summary still fits.
 */
const demo = () => parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
const withZones = (n: number) => {
  const raw = demo();
  raw.yard.zones = Array.from({ length: n }, (_, i) => ({
    id: `z${i}`,
    name: `Zone number ${i} with a long name`,
    kind: i % 2 ? 'isolation' : 'parking',
    bays: [{ prefix: 'P', from: i * 10 + 1, to: i * 10 + 10 }],
  }));
  raw.yard.exitLanes = [];
  raw.yard.baySensorBuses = [];
  return raw;
};

describe('the yard summary within the pages’ budget', () => {
  it(`a yard of ${MAX_ZONES} zones: its summary, every count set, passes the pages' budget`, () => {
    const config = parseConfig(withZones(MAX_ZONES));
    const state = new YardState(buildLayout(config.yard));
    const summary = yardSummary({
      state,
      now: Date.now(),
      sensors: { offline: 1200, mismatches: 1200 },
      next: (kind) => `${kind === 'isolation' ? 'P-0011' : 'P-0001'}`,
    });
    expect(summary.zones).toHaveLength(MAX_ZONES);
    const bytes = new TextEncoder().encode(JSON.stringify(summary));
    expect(parseBoundedJson(bytes, PAGE_MESSAGE_BUDGET)).toMatchObject({ ok: true });
  });

  it(`${MAX_ZONES + 1} zones: the config is refused, saying why`, () => {
    expect(() => parseConfig(withZones(MAX_ZONES + 1))).toThrow(/yard\.zones: allows at most 100 entries/);
  });
});
