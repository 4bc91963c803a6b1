/**
 * A lane's records on the way to the store. Most of a transit's records (its start, the scan,
 * the verification, the measurement) need not hold up the lane: nothing leaves the process on
 * the strength of them, and the store commits every record in the order appended (each is
 * published only once committed). They are appended with `later` and the lane goes on at once.
 *
 * A record the lane acts on (a decision before the barrier moves, a barrier result, an alarm)
 * is appended with `now`, which resolves once it is committed and once every record appended
 * before it is, failing if any of them failed: so a decision is never acted on while a record
 * it follows was lost, and those records share the decision's fsync rather than each paying
 * their own before it.
 */
export class RecordTrail {
  private pending: Promise<unknown>[] = [];

  constructor(private readonly append: (type: string, data: unknown) => Promise<unknown>) {}

  /** Appends without waiting; a failure surfaces at the next `now` (or `settled`). */
  later(type: string, data: unknown): void {
    const p = this.append(type, data);
    // Handled here so that a failure before the next `now` is not an unhandled rejection.
    p.catch(() => {});
    this.pending.push(p);
  }

  /** Appends and resolves once it and every record appended before it are committed. */
  async now(type: string, data: unknown): Promise<unknown> {
    const p = this.append(type, data);
    this.pending.push(p);
    await this.settled();
    return p;
  }

  /** Resolves once every record appended with `later` so far is committed; throws the first failure. */
  async settled(): Promise<void> {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }
}
