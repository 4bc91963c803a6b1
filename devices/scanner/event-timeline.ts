/**
 * Places the kernel's key event times (CLOCK_REALTIME of the input device) on the driver's
 * monotonic wire clock, so the inter-key gap rule measures the gaps the scanner made, not the
 * gaps our reads saw: a gateway that stalls for 300 ms and then reads half a code at once must
 * not cut it, and a real pause must cut it however fast it is read.
 *
 * The offset between the two clocks is taken afresh at the start of each code (the realtime
 * clock may have been stepped since the last one) and then only lowered: an event read late has
 * a larger offset, the earliest-read event of the code the truest one. A placed time is never
 * later than the read that brought it.
 */
export class EventTimeline {
  private offset: number | undefined;

  /** `fresh`: a new code begins (nothing in progress), so the offset is taken anew. */
  anchor(eventMs: number, arrivedAt: number, fresh: boolean): void {
    const o = arrivedAt - eventMs;
    if (fresh || this.offset === undefined || o < this.offset) this.offset = o;
  }

  place(eventMs: number, arrivedAt: number): number {
    return Math.min(eventMs + (this.offset ?? arrivedAt - eventMs), arrivedAt);
  }

  reset(): void {
    this.offset = undefined;
  }
}
