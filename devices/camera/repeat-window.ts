/**
 * Repeated reads of one plate by one camera within a window are one sighting: a plate camera
 * reads a truck several times as it rolls up (and a camera that heard no answer in time pushes
 * the same read again, with the same event id). The first read makes the sighting; the others
 * within `windowMs` of the last read are merged into it (counted). Memory is bounded: at most
 * `maxKeys` plates are remembered; the oldest goes first.
 */
export class RepeatWindow<T> {
  private readonly seen = new Map<string, { lastAt: number; value: T; reads: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 1024,
  ) {}

  /**
   * The sighting already open for `key` at `now` (its read count bumped), or `undefined`: then
   * `open` makes one, which is remembered.
   */
  take(key: string, now: number, open: () => T): { value: T; reads: number; repeat: boolean } {
    const hit = this.seen.get(key);
    if (hit && now - hit.lastAt <= this.windowMs) {
      hit.lastAt = now;
      hit.reads++;
      // Refresh its place in the map's order (oldest first).
      this.seen.delete(key);
      this.seen.set(key, hit);
      return { value: hit.value, reads: hit.reads, repeat: true };
    }
    const value = open();
    this.seen.delete(key);
    this.seen.set(key, { lastAt: now, value, reads: 1 });
    while (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    return { value, reads: 1, repeat: false };
  }

  /** Forgets a key (its sighting failed to commit: the next read must try again). */
  forget(key: string, value: T): void {
    if (this.seen.get(key)?.value === value) this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
