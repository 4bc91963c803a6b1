import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { recordId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { GatepostRecord, Stream } from '../mqtt/record.ts';
import { mayHoldPersonalData } from './personal-data.ts';
import { RecordPolicy } from './record-policy.ts';

interface Pending {
  record: GatepostRecord;
  json: string;
  sheddable: boolean;
  resolve: (r: GatepostRecord) => void;
  reject: (e: Error) => void;
}

/** What one commit made durable, in append order. */
export interface CommittedBatch {
  records: readonly GatepostRecord[];
  /** Bytes of record data in the batch (for disk-usage estimates between measurements). */
  dataBytes: number;
}

/**
 * Keeps a derived table in step with the records, inside the transaction that commits them (the
 * ledger is one). `apply` must only run statements on the store's database; a throw rolls back
 * the whole batch, so validation problems should be logged and skipped instead.
 */
export interface RecordProjection {
  accepts(type: string): boolean;
  apply(record: GatepostRecord): void;
}

export interface RecordStoreOptions {
  db: Database;
  site: string;
  clock: Clock;
  log: Logger;
  /** Longest a record waits for others to share its fsync (group commit). */
  groupCommitMs: number;
  /** A batch this large is committed at once, without waiting for the timer. */
  maxBatchRows?: number;
  /** Which types are sheddable telemetry; the defaults of record-policy.ts if absent. */
  policy?: RecordPolicy;
}

/**
 * The durable record log. `append` gives a record its id and its place in its stream, and
 * resolves only once the transaction holding it is committed (fsynced, `synchronous=FULL`).
 * Records appended close together share one transaction (group commit): the first record of a
 * group schedules the commit at most `groupCommitMs` later (or at once when `maxBatchRows` are
 * waiting), so many rows pay for one fsync. A decision, which a barrier waits on, is committed
 * at once with whatever was queued before it; the yard's answers to a lane at the end of the
 * event loop's turn (record-policy.ts, URGENCY): neither waits for the timer.
 *
 * Nothing may be acknowledged outside the process (published, replied to, acted on) before its
 * `append` has resolved. Listeners of `onCommit` (the uplink, the disk guard) hear of each batch
 * after it is durable.
 *
 * Sequence numbers come from the `streams` table, updated in the same transaction, so a stream
 * keeps counting up even after its delivered records have been reclaimed.
 */
export class RecordStore {
  private readonly insert: Statement;
  private readonly bumpStream: Statement;
  private readonly commitBatch: Transaction<(batch: Pending[]) => void>;
  private readonly nextSeq = new Map<string, number>();
  private readonly projections: RecordProjection[] = [];
  private readonly listeners = new Set<(batch: CommittedBatch) => void>();
  private readonly failureListeners = new Set<(err: GatepostError) => void>();
  private readonly policy: RecordPolicy;
  private readonly maxBatchRows: number;
  private queue: Pending[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushImmediate: NodeJS.Immediate | undefined;
  private closed = false;
  private refuseSheddable = false;
  private refuseAll = false;

  constructor(private readonly opts: RecordStoreOptions) {
    const { db } = opts;
    this.policy = opts.policy ?? new RecordPolicy();
    this.maxBatchRows = opts.maxBatchRows ?? 1000;
    this.insert = db.prepare(
      `INSERT INTO records (id, stream, seq, type, at, data, sheddable, personal)
       VALUES (@id, @stream, @seq, @type, @at, @json, @sheddable, @personal)`,
    );
    this.bumpStream = db.prepare(
      `INSERT INTO streams (stream, last_seq) VALUES (?, ?)
       ON CONFLICT (stream) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)`,
    );
    this.commitBatch = db.transaction((batch: Pending[]) => {
      const last = new Map<string, number>();
      for (const p of batch) {
        const r = p.record;
        this.insert.run({
          id: r.id,
          stream: r.stream,
          seq: r.seq,
          type: r.type,
          at: r.at,
          json: p.json,
          sheddable: p.sheddable ? 1 : 0,
          personal: mayHoldPersonalData(p.json) ? 1 : 0,
        });
        last.set(r.stream, r.seq);
        for (const proj of this.projections) if (proj.accepts(r.type)) proj.apply(r);
      }
      for (const [stream, seq] of last) this.bumpStream.run(stream, seq);
    });
    this.reloadSequences();
  }

  append<D>(stream: Stream, type: string, data: D): Promise<GatepostRecord<D>> {
    if (this.closed) return Promise.reject(new GatepostError(ErrorCode.StoreFailed, 'the store is closed'));
    if (this.refuseAll) {
      return Promise.reject(
        new GatepostError(
          ErrorCode.StoreFull,
          'the disk is full: records are refused until reclaiming has made room',
          { stream, type },
        ),
      );
    }
    const sheddable = this.policy.isSheddable(type);
    if (sheddable && this.refuseSheddable) {
      return Promise.reject(
        new GatepostError(ErrorCode.StoreFull, 'the store is full: telemetry is refused', { stream, type }),
      );
    }
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
        sheddable,
        resolve: resolve as (r: GatepostRecord) => void,
        reject,
      });
      const urgency = this.policy.urgency(type);
      if (this.queue.length >= this.maxBatchRows || urgency === 'now') this.flush();
      else if (urgency === 'soon') this.flushImmediate ??= setImmediate(() => this.flush());
      else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.opts.groupCommitMs);
    });
  }

  /** Commits everything queued now. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.flushImmediate) clearImmediate(this.flushImmediate);
    this.flushTimer = undefined;
    this.flushImmediate = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.commitBatch(batch);
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
      for (const listener of this.failureListeners) {
        try {
          listener(err);
        } catch (e) {
          this.opts.log.error({ err: e }, 'commit failure listener failed');
        }
      }
      return;
    }
    let dataBytes = 0;
    const records: GatepostRecord[] = [];
    for (const p of batch) {
      dataBytes += p.json.length;
      records.push(p.record);
      p.resolve(p.record);
    }
    for (const listener of this.listeners) {
      try {
        listener({ records, dataBytes });
      } catch (err) {
        this.opts.log.error({ err }, 'commit listener failed');
      }
    }
  }

  /** Records appended and not yet committed. */
  queued(): number {
    return this.queue.length;
  }

  /** Hears of every committed batch; returns the unsubscribe function. */
  onCommit(listener: (batch: CommittedBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears of every failed commit (the disk guard, for a full disk); returns the unsubscribe function. */
  onCommitFailed(listener: (err: GatepostError) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Adds a projection, run for each record inside its commit transaction. */
  addProjection(projection: RecordProjection): void {
    this.projections.push(projection);
  }

  /** While true, appends of sheddable telemetry fail with StoreFull (the disk guard sets it). */
  setSheddableRefused(refused: boolean): void {
    this.refuseSheddable = refused;
  }

  /**
   * While true, every append fails with StoreFull: the disk guard sets it when the disk filled
   * and the reserve had to be released, so that reclaiming gets the room and not new records.
   */
  setAllRefused(refused: boolean): void {
    this.refuseAll = refused;
  }

  isSheddable(type: string): boolean {
    return this.policy.isSheddable(type);
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

  /** One record by its id, if it is (still) in the store. */
  get(id: string): GatepostRecord | undefined {
    const row = this.opts.db
      .prepare('SELECT id, stream, seq, type, at, data FROM records WHERE id = ?')
      .get(id) as RecordRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  count(): number {
    return (this.opts.db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
  }

  get site(): string {
    return this.opts.site;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private reloadSequences(): void {
    this.nextSeq.clear();
    for (const row of this.opts.db.prepare('SELECT stream, last_seq FROM streams').all() as {
      stream: string;
      last_seq: number;
    }[]) {
      this.nextSeq.set(row.stream, row.last_seq + 1);
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
