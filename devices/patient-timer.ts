import type { TimerHandle } from '../core/clock.ts';
import type { WireClock } from './serial/wire-clock.ts';

/**
 * A timeout for "nothing arrived in time" that does not mistake a stalled event loop for a
 * silent device. After a stall (a long GC pause, a slow disk write, a starved CPU), Node runs
 * expired timers before it reads the bytes that arrived meanwhile. A timer that fires more than
 * `lateMs` late therefore waits `graceMs` more, up to `retries` times, so that those bytes are
 * read first; only a firing on time (or the last retry) runs `fn`.
 *
 * Give it the driver's wire clock (devices/serial/wire-clock.ts; a Clock fits too): wire
 * timeouts are real milliseconds at any clock scale.
 */
export interface PatientTimerOptions {
  lateMs?: number;
  graceMs?: number;
  retries?: number;
}

export class PatientTimer {
  private handle: TimerHandle | undefined;
  private readonly lateMs: number;
  private readonly graceMs: number;
  private readonly retries: number;

  constructor(
    private readonly clock: WireClock,
    options: PatientTimerOptions = {},
  ) {
    this.lateMs = options.lateMs ?? 30;
    this.graceMs = options.graceMs ?? 20;
    this.retries = options.retries ?? 1;
  }

  get armed(): boolean {
    return this.handle !== undefined;
  }

  start(fn: () => void, ms: number): void {
    this.cancel();
    this.arm(fn, ms, this.retries);
  }

  cancel(): void {
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(fn: () => void, ms: number, retriesLeft: number): void {
    const due = this.clock.now() + ms;
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      const late = this.clock.now() - due > this.lateMs * this.clock.scale;
      if (late && retriesLeft > 0) this.arm(fn, this.graceMs * this.clock.scale, retriesLeft - 1);
      else fn();
    }, ms);
  }
}
