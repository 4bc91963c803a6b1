import { describe, expect, it } from 'vitest';
import { afterWarmUp, leastSquares, slopePer10kTransits } from '../../bench/soak/slope.ts';

describe('least-squares slopes of the real-time soak', () => {
  it('recovers the line through exact points', () => {
    const points = [0, 1, 2, 3, 4].map((x) => [x, 3 * x + 2] as const);
    const fit = leastSquares(points);
    expect(fit?.slope).toBeCloseTo(3, 12);
    expect(fit?.intercept).toBeCloseTo(2, 12);
    expect(fit?.n).toBe(5);
  });

  it('fits noisy points as the textbook formula does (Anscombe I: slope 0.5, intercept 3)', () => {
    const xs = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    const ys = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
    const fit = leastSquares(xs.map((x, i) => [x, ys[i] ?? 0] as const));
    expect(fit?.slope).toBeCloseTo(0.5001, 4);
    expect(fit?.intercept).toBeCloseTo(3.0001, 4);
  });

  it('has no slope for fewer than two points or a single x, and skips non-finite points', () => {
    expect(leastSquares([])).toBeUndefined();
    expect(leastSquares([[1, 2]])).toBeUndefined();
    expect(
      leastSquares([
        [5, 1],
        [5, 9],
      ]),
    ).toBeUndefined();
    const fit = leastSquares([
      [0, 0],
      [1, Number.NaN],
      [2, 4],
      [4, 8],
    ]);
    expect(fit?.slope).toBeCloseTo(2, 12);
    expect(fit?.n).toBe(3);
  });

  it('gives the growth per 10,000 transits: 0.3 MB over 20,000 transits is 0.15', () => {
    const samples = Array.from({ length: 21 }, (_, i) => ({ transits: i * 1000, heap: 40 + i * 0.015 }));
    expect(slopePer10kTransits(samples, (s) => s.heap)).toBeCloseTo(0.15, 9);
    // Transits that did not move give no slope rather than an infinite one.
    expect(slopePer10kTransits([{ transits: 7 }, { transits: 7 }], () => 1)).toBeUndefined();
  });

  it('a warm-up memory climb left out: only the samples after the share of the run count', () => {
    // 0-20 min: climbing 1 MB a minute; then flat at 60 MB.
    const samples = Array.from({ length: 101 }, (_, m) => ({
      t: m * 60,
      transits: m * 100,
      heap: m < 20 ? 40 + m : 60,
    }));
    const steady = afterWarmUp(samples, 0.2);
    expect(steady[0]?.t).toBe(20 * 60);
    expect(slopePer10kTransits(steady, (s) => s.heap)).toBeCloseTo(0, 9);
    expect(slopePer10kTransits(samples, (s) => s.heap) ?? 0).toBeGreaterThan(0.5);
  });
});
