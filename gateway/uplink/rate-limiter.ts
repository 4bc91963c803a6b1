/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. The uplink takes
 * one token per backlog record it replays; live records take none.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`token bucket needs rate > 0 and burst >= 1, got ${ratePerSecond} and ${burst}`);
    }
    this.tokens = burst;
    this.last = now();
  }

  /** Whole tokens available now. */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  take(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  /** Milliseconds until `n` tokens are available (0 if they are). */
  msUntil(n = 1): number {
    this.refill();
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
  }
}
