/**
 * Capped exponential backoff with jitter ("equal jitter"): attempt n waits a random time in
 * [cap/2, cap] where cap = min(maxMs, initialMs * 2^n). The wait never exceeds `maxMs`, never
 * falls below half of the current step, and the jitter keeps many clients that lost the same
 * server together (a checkpoint's uplinks after a WAN outage) from retrying in lock-step.
 *
 * Used by the serial transport (a replugged device is found again at most `maxMs` after it
 * reappears) and the uplink to the central broker.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A number in [0, 1); Math.random by default (tests pass a fixed one). */
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { initialMs, maxMs } = options;
  const random = options.random ?? Math.random;
  const exp = Math.min(Math.max(0, attempt), 30);
  const cap = Math.max(0, Math.min(maxMs, initialMs * 2 ** exp));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** Counts attempts; `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError(
        `backoff needs 0 < initialMs <= maxMs, got ${options.initialMs} and ${options.maxMs}`,
      );
    }
  }

  /** The wait before the next attempt; each call counts one attempt. */
  next(): number {
    return backoffDelay(this.attempt++, this.options);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
