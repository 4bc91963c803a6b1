/**
 * Keyed locks for the yard's changes. A change holds the keys of what it decides on (its bays,
 * the truck's plate) from its decision until its record is committed and applied, so two
 * changes of one bay never decide on the same state, while changes of different bays share one
 * group commit. All keys of a change are taken at once (no partial holds, no deadlock).
 * `exclusive` waits until nothing is held and keeps everything else out (for snapshots).
 */
export type Release = () => void;

interface Waiter {
  keys: readonly string[] | 'all';
  grant: (release: Release) => void;
}

export class KeyedLocks {
  private readonly held = new Set<string>();
  private readonly waiters: Waiter[] = [];
  private exclusiveHeld = false;
  private changeWaiters: (() => void)[] = [];

  isHeld(key: string): boolean {
    return this.exclusiveHeld || this.held.has(key);
  }

  get idle(): boolean {
    return !this.exclusiveHeld && this.held.size === 0 && this.waiters.length === 0;
  }

  /**
   * Takes more keys now if they are free, else undefined. For a change that already holds
   * keys (it must not queue behind a waiting exclusive hold, which waits for it).
   */
  tryAcquire(keys: readonly string[]): Release | undefined {
    return this.free(keys) ? this.take(keys) : undefined;
  }

  /** Takes the keys of a new change: at once if they are free and no exclusive hold waits, else in turn. */
  acquire(keys: readonly string[]): Promise<Release> {
    if (!this.waiters.some((w) => w.keys === 'all') && this.free(keys))
      return Promise.resolve(this.take(keys));
    return new Promise((grant) => this.waiters.push({ keys, grant }));
  }

  /** Waits until no key is held, then holds them all. */
  exclusive(): Promise<Release> {
    if (this.waiters.length === 0 && this.free('all')) return Promise.resolve(this.take('all'));
    return new Promise((grant) => this.waiters.push({ keys: 'all', grant }));
  }

  /** Resolves at the next release of any key. */
  nextRelease(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  private free(keys: readonly string[] | 'all'): boolean {
    if (this.exclusiveHeld) return false;
    if (keys === 'all') return this.held.size === 0;
    return keys.every((k) => !this.held.has(k));
  }

  private take(keys: readonly string[] | 'all'): Release {
    if (keys === 'all') this.exclusiveHeld = true;
    else for (const k of keys) this.held.add(k);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (keys === 'all') this.exclusiveHeld = false;
      else for (const k of keys) this.held.delete(k);
      this.wake();
    };
  }

  /** Grants waiters in order; an exclusive waiter bars everyone behind it until it is granted. */
  private wake(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (!w) break;
      if (this.free(w.keys)) {
        this.waiters.splice(i, 1);
        w.grant(this.take(w.keys));
        continue;
      }
      if (w.keys === 'all') break;
      i++;
    }
    const waiting = this.changeWaiters;
    this.changeWaiters = [];
    for (const resolve of waiting) resolve();
  }
}
