import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../core/clock.ts';
import { PatientTimer } from '../../devices/patient-timer.ts';

/** A ManualClock whose reading can jump, as the wall clock does across a stalled event loop. */
function stallableClock() {
  const manual = new ManualClock();
  let stall = 0;
  const clock: Clock = {
    now: () => manual.now() + stall,
    setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
    clearTimeout: (h) => manual.clearTimeout(h),
    setInterval: (fn, ms) => manual.setInterval(fn, ms),
    clearInterval: (h) => manual.clearInterval(h),
    sleep: (ms) => manual.sleep(ms),
    scale: 1,
  };
  return { clock, manual, stallBy: (ms: number) => (stall += ms) };
}

describe('PatientTimer', () => {
  it('fires on time when the event loop keeps up', async () => {
    const { clock, manual } = stallableClock();
    const t = new PatientTimer(clock);
    let fired = 0;
    t.start(() => fired++, 100);
    await manual.advance(99);
    expect(fired).toBe(0);
    await manual.advance(1);
    expect(fired).toBe(1);
    expect(t.armed).toBe(false);
  });

  it('waits a grace period once when it fires late, so bytes read meanwhile can cancel it', async () => {
    const { clock, manual, stallBy } = stallableClock();
    const t = new PatientTimer(clock, { lateMs: 30, graceMs: 20, retries: 1 });
    let fired = 0;
    t.start(() => fired++, 100);
    stallBy(200); // the loop was blocked: the timer fires 200 ms late
    await manual.advance(100);
    expect(fired).toBe(0);
    expect(t.armed).toBe(true);
    await manual.advance(20);
    expect(fired).toBe(1);
    t.start(() => fired++, 100);
    stallBy(200);
    await manual.advance(100);
    t.cancel(); // the late answer was read during the grace period
    await manual.advance(100);
    expect(fired).toBe(1);
  });
});
