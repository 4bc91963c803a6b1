import { passReplayKey } from '../passes/replay-key.ts';

export interface ReplaySighting {
  lane: string;
  transitId: string;
  at: number;
  /**
   * Its transit was cut short by a restart: the same truck scans again on that lane in a new
   * transit, which is no replay (at another lane it still is).
   */
  cutShort?: boolean;
}

/**
 * Remembers which pass was shown where, by its replay key (a hash of what its issuer signed,
 * gateway/passes/replay-key.ts; never the code itself), for `windowMs`. Another spelling of
 * the same signed pass (recompressed, the ECDSA twin signature, a CR LF after it) is the same
 * pass. A pass shown again within the window, at another lane or in another transit of the
 * same lane, is a replay. Shared by all lanes of the gateway; memory is bounded by the window.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, ReplaySighting>();

  constructor(private readonly windowMs: number) {}

  /** Records a sighting; returns the earlier one if this is a replay. */
  check(code: string, sighting: ReplaySighting): ReplaySighting | undefined {
    this.prune(sighting.at);
    const key = passReplayKey(code);
    const earlier = this.seen.get(key);
    this.seen.delete(key); // re-insert at the end: the map stays in time order
    this.seen.set(key, sighting);
    if (!earlier || earlier.transitId === sighting.transitId) return undefined;
    if (earlier.cutShort && earlier.lane === sighting.lane) return undefined;
    return sighting.at - earlier.at <= this.windowMs ? earlier : undefined;
  }

  /**
   * Remembers earlier sightings (oldest first) without flagging them: the passes shown before a
   * restart. Returns how many passes it holds then.
   */
  restore(sightings: Iterable<ReplaySighting & { code: string }>): number {
    for (const { code, ...s } of sightings) this.check(code, s);
    return this.seen.size;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    // Insertion order is time order, so stop at the first entry still inside the window.
    for (const [key, s] of this.seen) {
      if (now - s.at <= this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
