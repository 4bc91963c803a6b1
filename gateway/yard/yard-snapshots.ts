import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { KeyedLocks } from './locks.ts';
import { snapshotParts, YARD_STREAM, type YardRecordWriter } from './rebuild.ts';
import type { YardState } from './yard-state.ts';

export interface YardSnapshotOptions {
  state: YardState;
  locks: KeyedLocks;
  clock: Clock;
  log: Logger;
  writer: YardRecordWriter;
  /** Told the first seq of the newest snapshot once it is whole on disk (Reclaimer.holdFrom). */
  keepFrom?: ((seq: number) => void) | undefined;
  /** A snapshot after this many changes. */
  every: number;
  /** A snapshot, if anything changed, once the last one is this old (YardOptions.snapshotAfterMs). */
  afterMs?: number | undefined;
}

/**
 * When the yard writes a `snapshot` (the whole yard, in parts, consecutive records) and what the
 * store must keep for a restart: every `every` changes, once the records held since the last one
 * go back `afterMs` with changes since, and when asked (a clean stop). Only with a new snapshot
 * whole on disk may the records before it go (`keepFrom`).
 */
export class YardSnapshots {
  private changes = 0;
  /** Since when (clock ms) the store keeps the yard's records for a restart: the last snapshot's time; 0 unknown. */
  private heldSince = 0;
  private writing: Promise<void> | undefined;

  constructor(private readonly o: YardSnapshotOptions) {}

  /** After the rebuild: `replayed` records came after the last snapshot (a crash before the stop's), a snapshot folds them. */
  started(replayed: number): void {
    this.changes = replayed;
    this.heldSince = replayed > 0 ? 0 : this.o.clock.now();
  }

  /** A committed change. */
  changed(): void {
    if (++this.changes >= this.o.every) void this.write().catch(() => {});
  }

  /** Changes since the last snapshot. */
  get pending(): number {
    return this.changes;
  }

  /** The age rule: a snapshot when the records kept for a restart reach back `afterMs` and something changed. */
  check(): void {
    const after = this.o.afterMs;
    if (after === undefined || this.writing || this.changes === 0) return;
    if (this.o.clock.now() - this.heldSince >= after) void this.write().catch(() => {});
  }

  /** Writes a snapshot of the whole yard now, between changes (one at a time). */
  write(): Promise<void> {
    this.writing ??= this.writeNow().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Resolves when no snapshot is being written. */
  async settled(): Promise<void> {
    await this.writing;
  }

  private async writeNow(): Promise<void> {
    const release = await this.o.locks.exclusive();
    try {
      const at = this.o.clock.now();
      const parts = snapshotParts(this.o.state, this.o.clock);
      // Appended in one turn of the event loop: consecutive records in one commit.
      const written = await Promise.all(parts.map((p) => this.o.writer.record(YARD_STREAM, 'snapshot', p)));
      this.changes = 0;
      this.heldSince = at;
      // Only now, with the new snapshot whole on disk, may the records before it go.
      const first = written[0]?.seq;
      if (first !== undefined) this.o.keepFrom?.(first);
    } catch (err) {
      this.o.log.error({ err }, 'yard snapshot not stored');
      throw err;
    } finally {
      release();
    }
  }
}
