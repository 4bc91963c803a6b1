import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatFigure, HEADLINE } from '../../bench/report/headline.ts';
import { quotedFigures, readmeBlock } from '../../bench/report/readme.ts';

/**
 * The README quotes the benchmark report: every figure of its "Measured" table is the one in
 * docs/benchmarks.json (as the bench formats it), and a figure the report lacks is "missing".
 */
describe("the README's measured figures", () => {
  it('equal docs/benchmarks.json', () => {
    expect(existsSync('docs/benchmarks.json'), 'run `npm run bench` to write docs/benchmarks.json').toBe(
      true,
    );
    const figures = JSON.parse(readFileSync('docs/benchmarks.json', 'utf8')) as Record<string, number>;
    for (const v of Object.values(figures)) expect(typeof v).toBe('number');
    const quoted = quotedFigures(readFileSync('README.md', 'utf8'));
    expect([...quoted.keys()].sort()).toEqual(HEADLINE.map((h) => h.name).sort());
    for (const h of HEADLINE) {
      const v = figures[h.name];
      const expected = v === undefined ? 'missing' : Number(formatFigure(v).replace(/,/g, ''));
      expect(quoted.get(h.name), h.name).toBe(expected);
    }
  });

  it('the block the bench writes reads back as the figures it was made from', () => {
    const figures = {
      ingest_records_per_s: 41234.4,
      scan_to_barrier_p99_ms: 7.25,
      scan_to_barrier_p99_vs_wire_ratio: 0.023,
    };
    const quoted = quotedFigures(readmeBlock(figures, '2026-05-10', '2 cores'));
    expect(quoted.get('ingest_records_per_s')).toBe(41234);
    expect(quoted.get('scan_to_barrier_p99_ms')).toBe(7.25);
    expect(quoted.get('cold_start_s')).toBe('missing');
  });
});
