/** A lane's transit counters at one sample: transit-start and transit-end records so far. */
export interface LaneTransits {
  started: number;
  ended: number;
}

/**
 * Watches for a transit that never ends: a lane holds one transit at a time, so a lane whose
 * transit is open while its count of ended transits has not moved since an earlier sample has had
 * that same transit open at least since then. `update` gives, at each sample, the longest such
 * time over the lanes (seconds; 0 when every lane is idle or has moved on).
 */
export class OpenTransitWatch {
  private readonly openSince = new Map<string, { ended: number; t: number }>();

  update(t: number, lanes: ReadonlyMap<string, LaneTransits>): number {
    let oldest = 0;
    for (const [lane, c] of lanes) {
      if (c.started <= c.ended) {
        this.openSince.delete(lane);
        continue;
      }
      const since = this.openSince.get(lane);
      if (since && since.ended === c.ended) oldest = Math.max(oldest, t - since.t);
      else this.openSince.set(lane, { ended: c.ended, t });
    }
    for (const lane of this.openSince.keys()) if (!lanes.has(lane)) this.openSince.delete(lane);
    return oldest;
  }
}
