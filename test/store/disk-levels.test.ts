import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StorageLevel } from '../../gateway/mqtt/gateway-payloads.ts';
import { LEVEL_MARGIN, LEVELS, nextLevel } from '../../gateway/store/disk-levels.ts';

const T = { warning: 0.8, critical: 0.95, margin: LEVEL_MARGIN };
const rank = (l: StorageLevel) => LEVELS.indexOf(l);

/** Runs the machine over a walk of ratios; returns every level it took and each change's steps. */
function walk(ratios: readonly number[], start: StorageLevel = 'ok') {
  let level = start;
  const changes: { from: StorageLevel; to: StorageLevel; steps: StorageLevel[] }[] = [];
  for (const r of ratios) {
    const c = nextLevel(level, r, T);
    if (c.level !== level) changes.push({ from: level, to: c.level, steps: c.steps });
    level = c.level;
  }
  return { level, changes };
}

describe('disk levels', () => {
  it('enter at the threshold, leave only the margin below it', () => {
    expect(nextLevel('ok', 0.799, T).level).toBe('ok');
    expect(nextLevel('ok', 0.8, T).level).toBe('warning');
    expect(nextLevel('warning', 0.78, T).level).toBe('warning');
    expect(nextLevel('warning', 0.8 - LEVEL_MARGIN - 0.001, T).level).toBe('ok');
    expect(nextLevel('full', 0.98, T).level).toBe('full');
    expect(nextLevel('full', 0.96, T).level).toBe('critical');
    expect(nextLevel('full', 0.1, T)).toEqual({ level: 'ok', steps: ['critical', 'warning', 'ok'] });
  });

  it('ok straight to full passes (and names) warning and critical: no alarm is skipped', () => {
    expect(nextLevel('ok', 1.2, T)).toEqual({ level: 'full', steps: ['warning', 'critical', 'full'] });
    expect(nextLevel('warning', 0.97, T)).toEqual({ level: 'critical', steps: ['critical'] });
  });

  it('property: a ratio that wanders within less than the margin never goes down and up again (at most 3 changes, all upward)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        fc.double({ min: 0, max: LEVEL_MARGIN * 0.999, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 500 }),
        (low, width, steps) => {
          const { changes } = walk(steps.map((s) => low + s * width));
          expect(changes.length).toBeLessThanOrEqual(3);
          for (const c of changes) expect(rank(c.to)).toBeGreaterThan(rank(c.from));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: from any level, a swing back and forth within the margin changes the level only on the first visit to each end', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LEVELS),
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        fc.double({ min: 0, max: LEVEL_MARGIN * 0.999, noNaN: true }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 500 }),
        (start, low, width, ups) => {
          // A checkpoint-like swing: back and forth between two ratios within the margin.
          const ratios = ups.map((u) => (u ? low + width : low));
          const both = ups.findIndex((u) => u !== ups[0]);
          const { changes } = walk(ratios, start);
          expect(changes.length).toBeLessThanOrEqual(2);
          // Once both ends were seen, the level stays put for the rest of the swing.
          if (both >= 0) {
            const { level: afterBoth } = walk(ratios.slice(0, both + 1), start);
            expect(walk(ratios.slice(both + 1), afterBoth).changes).toEqual([]);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: every change names each level between, in order, and ends where it lands', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1.5, noNaN: true }), { maxLength: 200 }), (ratios) => {
        for (const c of walk(ratios).changes) {
          const a = rank(c.from);
          const b = rank(c.to);
          expect(c.steps.at(-1)).toBe(c.to);
          expect(c.steps).toHaveLength(Math.abs(b - a));
          expect(c.steps.map(rank)).toEqual(c.steps.map((_, i) => (a < b ? a + i + 1 : a - i - 1)));
        }
      }),
    );
  });
});
