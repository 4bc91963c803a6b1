import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay of one window, in milliseconds beyond the sampling interval. */
export interface LoopLag {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Samples in the window (one per `resolutionMs` while the loop turns). */
  samples: number;
}

export interface EventLoopMonitorOptions {
  /** Length of a window; `lag()` reports the last complete one (default 10 s). */
  windowMs?: number;
  /** Sampling interval of the delay histogram (default 10 ms). */
  resolutionMs?: number;
  /** How often the heartbeat timer runs (default 250 ms). */
  beatMs?: number;
}

const NO_LAG: LoopLag = { p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0, samples: 0 };

/**
 * How responsive the event loop is, which is what keeps the barriers timely: a delay histogram
 * (perf_hooks `monitorEventLoopDelay`) summed up over rolling windows, and a heartbeat timer
 * whose last run tells whether the loop is turning at all (`/healthz`, the systemd watchdog).
 *
 * Node's histogram records the whole sampling interval, so `resolutionMs` is subtracted from
 * every figure: 0 means "no delay".
 */
export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly windowMs: number;
  private readonly resolutionMs: number;
  private readonly beatMs: number;
  private last: LoopLag = NO_LAG;
  private windowTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private beatAt = performance.now();
  /** The longest stall the heartbeat saw in the current and the last window (ms beyond beatMs). */
  private gapNow = 0;
  private gapLast = 0;

  constructor(options: EventLoopMonitorOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.resolutionMs = options.resolutionMs ?? 10;
    this.beatMs = options.beatMs ?? 250;
    this.histogram = monitorEventLoopDelay({ resolution: this.resolutionMs });
  }

  start(): void {
    if (this.windowTimer) return;
    this.histogram.enable();
    this.beatAt = performance.now();
    this.windowTimer = setInterval(() => {
      this.beat();
      this.last = this.current();
      this.histogram.reset();
      this.gapLast = this.gapNow;
      this.gapNow = 0;
    }, this.windowMs);
    this.windowTimer.unref();
    this.beatTimer = setInterval(() => this.beat(), this.beatMs);
    this.beatTimer.unref();
  }

  stop(): void {
    if (this.windowTimer) clearInterval(this.windowTimer);
    if (this.beatTimer) clearInterval(this.beatTimer);
    this.windowTimer = undefined;
    this.beatTimer = undefined;
    this.histogram.disable();
  }

  /** The last complete window, or the current one before the first window has ended. */
  lag(): LoopLag {
    return this.last.samples > 0 ? this.last : this.current();
  }

  /**
   * The longest delay in the current and the last window (a stall that just ended shows here),
   * from the histogram and from the heartbeat's own gaps.
   */
  recentMaxMs(): number {
    return Math.max(this.last.maxMs, this.current().maxMs, this.gapNow, this.gapLast);
  }

  /** Milliseconds since the heartbeat timer last ran: about `beatMs` on a healthy loop. */
  sinceLastBeatMs(): number {
    return performance.now() - this.beatAt;
  }

  private beat(): void {
    const now = performance.now();
    const gap = now - this.beatAt - this.beatMs;
    if (gap > this.gapNow) this.gapNow = gap;
    this.beatAt = now;
  }

  private current(): LoopLag {
    const h = this.histogram;
    if (h.count === 0) return NO_LAG;
    const ms = (ns: number) => Math.max(0, ns / 1e6 - this.resolutionMs);
    return {
      p50Ms: ms(h.percentile(50)),
      p99Ms: ms(h.percentile(99)),
      maxMs: ms(h.max),
      meanMs: ms(h.mean),
      samples: h.count,
    };
  }
}
