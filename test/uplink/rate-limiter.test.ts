import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../gateway/uplink/rate-limiter.ts';

describe('TokenBucket', () => {
  it('allows its burst, then refills at its rate, never above the burst', () => {
    let t = 0;
    const b = new TokenBucket(1000, 100, () => t);
    expect(b.available()).toBe(100);
    b.take(100);
    expect(b.available()).toBe(0);
    expect(b.msUntil(50)).toBe(50);
    t += 20;
    expect(b.available()).toBe(20);
    t += 10_000;
    expect(b.available()).toBe(100);
  });

  it('over a long run, lets through the rate and no more', () => {
    let t = 0;
    const b = new TokenBucket(5000, 500, () => t);
    let sent = 0;
    for (let step = 0; step < 10_000; step++) {
      t += 1; // 10 s in 1 ms steps, always asking for more
      const n = b.available();
      b.take(n);
      sent += n;
    }
    expect(sent).toBeGreaterThanOrEqual(50_000 - 1);
    expect(sent).toBeLessThanOrEqual(50_000 + 500);
  });

  it('refuses a rate or burst that cannot work', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0)).toThrow(RangeError);
  });
});
