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
 * full disk refuses them exactly when they matter; those are kept (bounded) and written again
 * by `retry`, which the guard calls once reclaiming has made room, in their order.
 */
export class PendingRecords {
  private pending: { type: string; data: unknown }[] = [];
  private retrying = false;
  /** Records given up because more than MAX_PENDING waited. */
  dropped = 0;

  constructor(
    private readonly writer: RecordWriter,
    private readonly log: Logger,
  ) {}

  write(type: string, data: unknown): void {
    if (this.pending.length > 0 || this.retrying) {
      this.keep(type, data);
      return;
    }
    this.writer.record('gateway', type, data).catch((err: unknown) => {
      this.log.warn({ type, reason: errorMessage(err) }, 'storage record not written; kept to write again');
      this.keep(type, data);
    });
  }

  /** Writes what is waiting, in order; stops at the first failure (the rest waits on). */
  async retry(): Promise<void> {
    if (this.retrying || this.pending.length === 0) return;
    this.retrying = true;
    try {
      while (this.pending.length > 0) {
        const next = this.pending[0];
        if (!next) break;
        try {
          await this.writer.record('gateway', next.type, next.data);
        } catch {
          return;
        }
        this.pending.shift();
      }
    } finally {
      this.retrying = false;
    }
  }

  waiting(): number {
    return this.pending.length;
  }

  private keep(type: string, data: unknown): void {
    this.pending.push({ type, data });
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
      this.log.error({ dropped: this.dropped }, 'storage records waiting for room: the oldest given up');
    }
  }
}
