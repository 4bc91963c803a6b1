import { type Clock, ManualClock } from '../../../core/clock.ts';

/**
 * A ManualClock whose reading can jump ahead without firing timers, as the wall clock does
 * across a stalled event loop: `stallBy(ms)`, then `manual.advance(...)` runs the (now late) timers.
 */
export function stallableClock() {
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
  return {
    clock,
    manual,
    stallBy: (ms: number) => {
      stall += ms;
    },
  };
}
