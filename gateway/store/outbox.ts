import type { Database, Statement } from 'better-sqlite3';

/** A pending record as stored: `data` is still its JSON text. */
export interface OutboxRow {
  id: string;
  stream: string;
  seq: number;
  type: string;
  at: number;
  data: string;
}

export interface StreamCursor {
  stream: string;
  /** The last seq the stream has given (committed). */
  lastSeq: number;
  /** Every record of the stream up to this seq had the central broker's PUBACK. */
  deliveredSeq: number;
}

/**
 * The outbox: the records table itself plus one delivery cursor per stream (`streams`). Shaped
 * like MQTT.js's IStore, but keyed by stream and seq instead of packet id:
 *
 * | IStore         | here                                                                  |
 * |----------------|-----------------------------------------------------------------------|
 * | `put`          | `RecordStore.append` (the record is committed before anything else)   |
 * | `createStream` | `pending(stream, fromSeq, toSeq, limit)`, in seq order                |
 * | `get`          | `get(id)`                                                              |
 * | `del`          | `markDelivered(stream → seq)`: moves the cursor after PUBACKs          |
 *
 * A cursor rather than a flag per row: PUBACKs arrive in order per stream, so "delivered" is
 * one number per stream; marking costs one small row update per stream and batch instead of a
 * row and index update per record. A cursor write lost in a power cut only means some records
 * are sent again, with the same ids.
 */
export class Outbox {
  private readonly selectPending: Statement;
  private readonly selectById: Statement;
  private readonly updateCursor: Statement;
  private readonly selectStreams: Statement;
  private readonly countPending: Statement;
  private readonly selectOldestPending: Statement;

  constructor(private readonly db: Database) {
    this.selectPending = db.prepare(
      'SELECT id, stream, seq, type, at, data FROM records WHERE stream = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?',
    );
    this.selectById = db.prepare('SELECT id, stream, seq, type, at, data FROM records WHERE id = ?');
    this.updateCursor = db.prepare(
      'UPDATE streams SET delivered_seq = MAX(delivered_seq, @seq), delivered_at = @at WHERE stream = @stream',
    );
    this.selectStreams = db.prepare(
      'SELECT stream, last_seq AS lastSeq, delivered_seq AS deliveredSeq FROM streams ORDER BY stream',
    );
    this.countPending = db.prepare('SELECT COUNT(*) AS n FROM records WHERE stream = ? AND seq > ?');
    this.selectOldestPending = db.prepare(
      'SELECT at FROM records WHERE stream = ? AND seq > ? ORDER BY seq LIMIT 1',
    );
  }

  streams(): StreamCursor[] {
    return this.selectStreams.all() as StreamCursor[];
  }

  /** Records of `stream` with `fromSeq <= seq <= toSeq`, oldest first, at most `limit`. */
  pending(stream: string, fromSeq: number, toSeq: number, limit: number): OutboxRow[] {
    return this.selectPending.all(stream, fromSeq, toSeq, limit) as OutboxRow[];
  }

  get(id: string): OutboxRow | undefined {
    return this.selectById.get(id) as OutboxRow | undefined;
  }

  /** Moves the delivery cursors (never backwards), all in one transaction. */
  markDelivered(cursors: ReadonlyMap<string, number>, at: number): void {
    if (cursors.size === 0) return;
    this.db.transaction(() => {
      for (const [stream, seq] of cursors) this.updateCursor.run({ stream, seq, at });
    })();
  }

  /** How many records of `stream` after `afterSeq` are still stored. */
  countAfter(stream: string, afterSeq: number): number {
    return (this.countPending.get(stream, afterSeq) as { n: number }).n;
  }

  /** `at` of the first stored record of `stream` after `afterSeq`. */
  oldestAfter(stream: string, afterSeq: number): number | undefined {
    return (this.selectOldestPending.get(stream, afterSeq) as { at: number } | undefined)?.at;
  }
}

/**
 * The record envelope as JSON, built from a stored row without parsing its data: the same
 * bytes (same key order) as `JSON.stringify(record)` on the local broker.
 */
export function envelopeJson(site: string, row: OutboxRow): string {
  return `{"id":${JSON.stringify(row.id)},"site":${JSON.stringify(site)},"stream":${JSON.stringify(row.stream)},"seq":${row.seq},"type":${JSON.stringify(row.type)},"at":${row.at},"data":${row.data}}`;
}
