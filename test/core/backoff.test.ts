import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../../core/backoff.ts';

describe('capped exponential backoff with jitter', () => {
  it('doubles from initialMs, caps at maxMs, and jitters within [cap/2, cap]', () => {
    const lo = { initialMs: 100, maxMs: 1000, random: () => 0 };
    const hi = { initialMs: 100, maxMs: 1000, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 5, 30, 1000].map((n) => backoffDelay(n, lo))).toEqual([
      50, 100, 200, 400, 500, 500, 500, 500,
    ]);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, hi))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads clients that retry together', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const delays = Array.from({ length: 200 }, () =>
      backoffDelay(6, { initialMs: 500, maxMs: 30000, random }),
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(15000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30000);
    expect(new Set(delays).size).toBeGreaterThan(150);
  });

  it('counts attempts and starts over after reset', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 80, random: () => 0.5 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([8, 15, 30, 60, 60]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.next()).toBe(8);
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
