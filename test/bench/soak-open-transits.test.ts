import { describe, expect, it } from 'vitest';
import { type LaneTransits, OpenTransitWatch } from '../../bench/soak/open-transits.ts';

const lanes = (entries: [string, number, number][]) =>
  new Map<string, LaneTransits>(entries.map(([l, started, ended]) => [l, { started, ended }]));

describe('a transit that never ends', () => {
  it('a lane moving on between samples is never old, however often it has one open', () => {
    const w = new OpenTransitWatch();
    expect(w.update(0, lanes([['east-1', 1, 0]]))).toBe(0);
    expect(w.update(60, lanes([['east-1', 5, 4]]))).toBe(0);
    expect(w.update(120, lanes([['east-1', 9, 8]]))).toBe(0);
  });

  it('the same transit open from sample to sample ages until one ends', () => {
    const w = new OpenTransitWatch();
    w.update(
      0,
      lanes([
        ['east-1', 3, 2],
        ['west-1', 1, 1],
      ]),
    );
    expect(
      w.update(
        60,
        lanes([
          ['east-1', 3, 2],
          ['west-1', 2, 1],
        ]),
      ),
    ).toBe(60);
    expect(
      w.update(
        180,
        lanes([
          ['east-1', 3, 2],
          ['west-1', 2, 1],
        ]),
      ),
    ).toBe(180);
    // east-1's transit ends; west-1's has been open since 60.
    expect(
      w.update(
        240,
        lanes([
          ['east-1', 3, 3],
          ['west-1', 2, 1],
        ]),
      ),
    ).toBe(180);
    expect(
      w.update(
        300,
        lanes([
          ['east-1', 3, 3],
          ['west-1', 2, 2],
        ]),
      ),
    ).toBe(0);
  });
});
