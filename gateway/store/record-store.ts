import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { recordId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { GatepostRecord, Stream } from '../mqtt/record.ts';

interface Pending {
  record: GatepostRecord;
  json: string;
  resolve: (r: GatepostRecord) => void;
  reject: (e: Error) => void;
}

export interface RecordStoreOptions {
  db: Database;
  site: string;
  clock: Clock;
  log: Logger;
  /** Longest a record waits for others to share its fsync (group commit). */
  groupCommitMs: number;
}

/**
 * The durable record log. `append` gives a record its id and its place in its stream, and
 * resolves only once the transaction holding it is committed (fsynced, `synchronous=FULL`).
 * Records appended close together share one transaction (group commit): the first record of a
 * group schedules the commit at most `groupCommitMs` later, so many rows pay for one fsync.
 *
 * Nothing may be acknowledged outside the process (published, replied to, acted on) before its
 * `append` has resolved.
 */
export class RecordStore {
  private readonly insert: Statement;
  private readonly nextSeq = new Map<string, number>();
  private queue: Pending[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: RecordStoreOptions) {
    const { db } = opts;
    this.insert = db.prepare(
      'INSERT INTO records (id, stream, seq, type, at, data) VALUES (@id, @stream, @seq, @type, @at, @json)',
    );
    for (const row of db.prepare('SELECT stream, MAX(seq) AS seq FROM records GROUP BY stream').all() as {
      stream: string;
      seq: number;
    }[]) {
      this.nextSeq.set(row.stream, row.seq + 1);
    }
  }

  append<D>(stream: Stream, type: string, data: D): Promise<GatepostRecord<D>> {
    if (this.closed) return Promise.reject(new GatepostError(ErrorCode.StoreFailed, 'the store is closed'));
    const seq = this.nextSeq.get(stream) ?? 1;
    this.nextSeq.set(stream, seq + 1);
    const record: GatepostRecord<D> = {
      id: recordId(this.opts.clock),
      site: this.opts.site,
      stream,
      seq,
      type,
      at: this.opts.clock.now(),
      data,
    };
    return new Promise((resolve, reject) => {
      this.queue.push({
        record,
        json: JSON.stringify(data),
        resolve: resolve as (r: GatepostRecord) => void,
        reject,
      });
      if (!this.flushTimer) {
        this.flushTimer = setTimeout(() => this.flush(), this.opts.groupCommitMs);
      }
    });
  }

  /** Commits everything queued now. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.opts.db.transaction(() => {
        for (const p of batch) this.insert.run({ ...p.record, json: p.json });
      })();
    } catch (e) {
      // The transaction rolled back: none of the batch is stored. Give the sequence numbers back
      // so that streams stay gapless, and fail every caller loudly.
      this.reloadSequences();
      const err = new GatepostError(
        ErrorCode.StoreFailed,
        `store commit failed: ${errorMessage(e)}`,
        undefined,
        {
          cause: e,
        },
      );
      this.opts.log.error({ err, rows: batch.length }, 'store commit failed');
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve(p.record);
  }

  /** Records of a stream in order, from `fromSeq` on. */
  readStream(stream: Stream, fromSeq = 1, limit = 1000): GatepostRecord[] {
    const rows = this.opts.db
      .prepare(
        'SELECT id, stream, seq, type, at, data FROM records WHERE stream = ? AND seq >= ? ORDER BY seq LIMIT ?',
      )
      .all(stream, fromSeq, limit) as RecordRow[];
    return rows.map((r) => this.fromRow(r));
  }

  count(): number {
    return (this.opts.db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private reloadSequences(): void {
    this.nextSeq.clear();
    for (const row of this.opts.db
      .prepare('SELECT stream, MAX(seq) AS seq FROM records GROUP BY stream')
      .all() as {
      stream: string;
      seq: number;
    }[]) {
      this.nextSeq.set(row.stream, row.seq + 1);
    }
    // Records still queued (appended after the failed batch was taken) keep their numbers only
    // if they still follow on; renumber them in order.
    for (const p of this.queue) {
      const s = this.nextSeq.get(p.record.stream) ?? 1;
      p.record.seq = s;
      this.nextSeq.set(p.record.stream, s + 1);
    }
  }

  private fromRow(r: RecordRow): GatepostRecord {
    return {
      id: r.id,
      site: this.opts.site,
      stream: r.stream,
      seq: r.seq,
      type: r.type,
      at: r.at,
      data: JSON.parse(r.data),
    };
  }
}

interface RecordRow {
  id: string;
  stream: string;
  seq: number;
  type: string;
  at: number;
  data: string;
}
