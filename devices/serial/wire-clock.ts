import { type Clock, ScaledClock, type TimerHandle } from '../../core/clock.ts';

/**
 * Wire clock: the time drivers use for what happens on the wire (reply timeouts, inter-byte
 * gaps, STATUS intervals, Modbus response timeouts and guard periods). Wire time is physical: a
 * device answers in real milliseconds whatever the speed of the process's clock, so a
 * simulation run on a ScaledClock at ×60 must not cut a 500 ms reply timeout to 8 ms.
 *
 * API (for every driver):
 *
 *   import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
 *   // in the driver's options/deps:  wire?: WireClock
 *   const wire = options.wire ?? wireClockFor(options.clock);
 *   const h = wire.setTimeout(fn, 500);   // 500 real ms
 *   wire.clearTimeout(h);
 *   wire.now();                            // monotonic ms; only differences mean anything
 *
 * - `wireClockFor(clock)`: `realWireClock` for a real clock (a ScaledClock at any scale, or any
 *   clock whose scale is not 1); the clock itself for a test clock at scale 1 (ManualClock, a
 *   stallable clock), so tests keep driving wire time by hand.
 * - `realWireClock`: performance.now() and the global timers; never scaled, never jumps.
 * - Event timestamps (`at`) and domain timers stay on the injected Clock; only wire timings move.
 * - `PatientTimer` (devices/patient-timer.ts) accepts a WireClock.
 */
export interface WireClock {
  /** Monotonic milliseconds; only differences mean anything. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Always 1: a wire millisecond is a real millisecond (for code that also takes a Clock). */
  readonly scale: number;
}

/** performance.now() for the time; the timers of a real clock at scale 1 (core/clock.ts). */
class RealWireClock implements WireClock {
  readonly scale = 1;
  private readonly timers = new ScaledClock(1);

  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.timers.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    this.timers.clearTimeout(handle);
  }

  /** Timers waiting to fire (for tests that check a driver leaves none behind). */
  get pending(): number {
    return this.timers.pending;
  }
}

/** Real, monotonic, unscaled time for the wire. */
export const realWireClock: WireClock & { readonly pending: number } = new RealWireClock();

/** The wire clock that goes with an injected clock (see the API note at the top). */
export function wireClockFor(clock: Clock): WireClock {
  if (clock instanceof ScaledClock || clock.scale !== 1) return realWireClock;
  return clock;
}
