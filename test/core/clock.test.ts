import { describe, expect, it } from 'vitest';
import { ManualClock, ScaledClock } from '../../core/clock.ts';
import { recordId } from '../../core/ids.ts';

describe('ManualClock', () => {
  it('fires timers in time order only when advanced', async () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@300'), 300);
    clock.setTimeout(() => fired.push('a@100'), 100);
    const cancelled = clock.setTimeout(() => fired.push('never'), 200);
    clock.clearTimeout(cancelled);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(250);
    expect(fired).toEqual(['a@100', 'b@300']);
    expect(clock.now()).toBe(1_349);
  });

  it('repeats intervals and lets promise chains run between timers', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const h = clock.setInterval(() => seen.push(clock.now()), 100);
    const slept = clock.sleep(250).then(() => seen.push(-1));
    await clock.advance(350);
    await slept;
    clock.clearInterval(h);
    await clock.advance(500);
    expect(seen).toEqual([100, 200, -1, 300]);
  });
});

describe('ScaledClock', () => {
  it('runs scaled time and fires timers early in real time', async () => {
    const clock = new ScaledClock(100, 0);
    const t0 = performance.now();
    await clock.sleep(2_000); // 20 ms real
    const realMs = performance.now() - t0;
    expect(realMs).toBeLessThan(1_000);
    expect(clock.now()).toBeGreaterThanOrEqual(2_000);
  });

  it('refuses a scale that is not positive', () => {
    expect(() => new ScaledClock(0)).toThrow(RangeError);
  });
});

describe('recordId', () => {
  it('is a UUIDv7 carrying the clock time, and ids made in one millisecond still sort in order', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const ids = Array.from({ length: 50 }, () => recordId(clock));
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
    const first = ids[0] ?? '';
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(first.replace(/-/g, '').slice(0, 12), 16)).toBe(clock.now());
  });
});
