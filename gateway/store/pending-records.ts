import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Stream } from '../mqtt/record.ts';

/** Where a part hands its records: the RecordSink (commit, then publish on the local broker). */
export interface RecordWriter {
  record(stream: Stream, type: string, data: unknown): Promise<unknown>;
}

/** Records kept for a later try at most; beyond, the oldest are dropped (and counted, logged). */
const MAX_PENDING = 64;

/**
 * The disk guard's own records (`storage-alarm`, `storage-shed`), written through the sink. A
 * full disk refuses them exactly when they matter; while it does (`blocked`) they are kept
 * (bounded) and written by `retry`, which the guard calls once reclaiming has made room, in
 * their order and before any later one.
 */
export class PendingRecords {
  private pending: { type: string; data: unknown }[] = [];
  private pumping = false;
  /** Records given up because more than MAX_PENDING waited. */
  dropped = 0;

  constructor(
    private readonly writer: RecordWriter,
    private readonly log: Logger,
    /** True while the store refuses records (the disk filled): they wait for `retry`. */
    private readonly blocked: () => boolean,
  ) {}

  /**
   * Writes a record now, behind whatever waits, or keeps it while the store refuses records. A
   * write that fails all the same (a commit on a full disk) is kept too, to be written again.
   */
  write(type: string, data: unknown): void {
    if (this.pending.length > 0 || this.pumping || this.blocked()) {
      this.keep(type, data);
      return;
    }
    this.writer.record('gateway', type, data).catch((err: unknown) => {
      this.log.warn({ type, reason: errorMessage(err) }, 'storage record not written; kept to write again');
      this.keep(type, data);
    });
  }

  private keep(type: string, data: unknown): void {
    this.pending.push({ type, data });
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
      this.log.error({ dropped: this.dropped }, 'storage records waiting for room: the oldest given up');
    }
  }

  /** Writes what is waiting, in order; stops at the first failure (the rest waits for the next call). */
  async retry(): Promise<void> {
    if (this.pumping || this.pending.length === 0 || this.blocked()) return;
    this.pumping = true;
    try {
      for (let next = this.pending[0]; next; next = this.pending[0]) {
        try {
          await this.writer.record('gateway', next.type, next.data);
        } catch (err) {
          this.log.warn(
            { type: next.type, waiting: this.pending.length, reason: errorMessage(err) },
            'storage record not written yet; kept to write again',
          );
          return;
        }
        if (this.pending[0] === next) this.pending.shift();
      }
    } finally {
      this.pumping = false;
    }
  }

  waiting(): number {
    return this.pending.length;
  }
}
