import type { TimerHandle } from '../core/clock.ts';
import type { DeviceErrorEvent } from './events.ts';
import type { WireClock } from './serial/wire-clock.ts';

/**
 * A driver's budget of error events: at most `perWindow` in a window of `windowMs` (real time,
 * from the first error after the last window; so at most twice that in any `windowMs`) go out
 * one by one; the rest of the window are counted, and when the window ends each kind that was
 * held back goes out once, as a summary with `suppressed` (how many) and the bytes they threw
 * away. A device that babbles thousands of bad frames a second therefore costs at most
 * `perWindow` + (kinds of error) events a second, and nothing is lost from the count: the
 * counters see every one (`suppressed` here, the transport's for bytes and errors).
 */
export interface ErrorRateLimitOptions {
  wire: WireClock;
  emit: (event: DeviceErrorEvent) => void;
  perWindow?: number;
  windowMs?: number;
}

const DEFAULT_ERRORS_PER_WINDOW = 10;
const DEFAULT_ERROR_WINDOW_MS = 1000;

interface Held {
  first: DeviceErrorEvent;
  count: number;
  bytes: number;
  lastAt: number;
}

export class ErrorRateLimit {
  private readonly perWindow: number;
  private readonly windowMs: number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private readonly held = new Map<string, Held>();
  private timer: TimerHandle | undefined;
  /** Error events held back and summarised so far. */
  suppressed = 0;

  constructor(private readonly options: ErrorRateLimitOptions) {
    this.perWindow = options.perWindow ?? DEFAULT_ERRORS_PER_WINDOW;
    this.windowMs = options.windowMs ?? DEFAULT_ERROR_WINDOW_MS;
  }

  report(event: DeviceErrorEvent): void {
    const now = this.options.wire.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow < this.perWindow) {
      this.inWindow++;
      this.options.emit(event);
      return;
    }
    this.suppressed++;
    const key = `${event.errorCode}/${event.kind}`;
    const h = this.held.get(key);
    if (h) {
      h.count++;
      h.bytes += event.bytes ?? 0;
      h.lastAt = event.at;
    } else {
      this.held.set(key, { first: event, count: 1, bytes: event.bytes ?? 0, lastAt: event.at });
    }
    if (!this.timer) {
      const due = Math.max(0, this.windowStart + this.windowMs - now);
      this.timer = this.options.wire.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, due);
    }
  }

  /** Sends the summaries of what this window held back. */
  flush(): void {
    this.options.wire.clearTimeout(this.timer);
    this.timer = undefined;
    const held = [...this.held.values()];
    this.held.clear();
    for (const h of held) {
      const { first } = h;
      this.options.emit({
        errorCode: first.errorCode,
        kind: first.kind,
        message: `${h.count} more ${first.kind} errors within ${this.windowMs} ms, not reported one by one (${first.message})`,
        at: h.lastAt,
        ...(h.bytes > 0 || first.bytes !== undefined ? { bytes: h.bytes } : {}),
        ...(first.address === undefined ? {} : { address: first.address }),
        suppressed: h.count,
      });
    }
  }

  dispose(): void {
    this.flush();
  }
}
