/**
 * The gateway's clock as seen from this screen. Countdowns (results due, dwell) compare gateway
 * times with "now", and a screen's own clock may be off (the site is often offline). A message
 * stamped by the gateway was stamped before it arrived, so `stamp - local now` is a lower bound
 * of the offset: the largest one seen in the last ten minutes is the estimate.
 */
const WINDOW_MS = 600_000;

export class ServerClock {
  private offset: number | undefined;
  private sampledAt = 0;

  /** A gateway timestamp of a message that just arrived. */
  sample(gatewayMs: number): void {
    const local = Date.now();
    const o = gatewayMs - local;
    if (this.offset === undefined || o > this.offset || local - this.sampledAt > WINDOW_MS) {
      this.offset = o;
      this.sampledAt = local;
    }
  }

  now(): number {
    return Date.now() + (this.offset ?? 0);
  }
}
