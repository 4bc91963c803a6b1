/**
 * When the real-time soak cuts the uplink: an outage of `lengthMin` minutes every `everyMin`
 * minutes, the first at `firstAtMin`, none that would end after `totalMin`.
 */
export interface Outage {
  /** Minutes from the start of the traffic. */
  fromMin: number;
  toMin: number;
}

export function outageSchedule(o: {
  totalMin: number;
  everyMin: number;
  lengthMin: number;
  firstAtMin: number;
}): Outage[] {
  if (!(o.everyMin > 0) || !(o.lengthMin > 0) || o.lengthMin >= o.everyMin) return [];
  const out: Outage[] = [];
  for (let from = o.firstAtMin; from + o.lengthMin <= o.totalMin; from += o.everyMin) {
    out.push({ fromMin: from, toMin: from + o.lengthMin });
  }
  return out;
}

/** Whether minute `atMin` falls in an outage or in the `graceMin` after one (the backlog draining). */
export function inOutage(outages: readonly Outage[], atMin: number, graceMin = 0): boolean {
  return outages.some((w) => atMin >= w.fromMin && atMin < w.toMin + graceMin);
}
