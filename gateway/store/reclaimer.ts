import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../../core/logger.ts';

/** Undelivered telemetry deleted from one stream by `shedUndelivered` (a gap the central side will see). */
export interface ShedRange {
  stream: string;
  fromSeq: number;
  toSeq: number;
  count: number;
  types: string[];
}

interface Candidate {
  rowid: number;
  stream: string;
  seq: number;
  type: string;
  at: number;
}

interface StreamRow {
  stream: string;
  delivered_seq: number;
}

/**
 * The only code that deletes records. Callers (the disk guard, the age retention) decide when
 * and how much; this class decides which rows, always oldest first across streams, and never:
 * - an essential record that is not delivered;
 * - a record at or after a stream's hold (`holdFrom`), e.g. the yard's last snapshot, which a
 *   restart replays from.
 * `shedUndelivered` is the one way undelivered rows go (sheddable telemetry only); it reports
 * each gap so the uplink can account for it and an audit record can explain it.
 */
export class Reclaimer {
  private readonly holds = new Map<string, number>();
  private readonly shedListeners = new Set<(ranges: readonly ShedRange[]) => void>();
  private readonly selectStreams: Statement;
  private readonly selectDelivered: Statement;
  private readonly selectDeliveredSheddable: Statement;
  private readonly selectUndeliveredSheddable: Statement;
  private readonly deleteRow: Statement;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {
    this.selectStreams = db.prepare('SELECT stream, delivered_seq FROM streams');
    const cols = 'SELECT rowid, stream, seq, type, at FROM records';
    this.selectDelivered = db.prepare(`${cols} WHERE stream = ? AND seq <= ? ORDER BY seq LIMIT ?`);
    this.selectDeliveredSheddable = db.prepare(
      `${cols} WHERE stream = ? AND seq <= ? AND sheddable = 1 ORDER BY seq LIMIT ?`,
    );
    this.selectUndeliveredSheddable = db.prepare(
      `${cols} WHERE stream = ? AND seq > ? AND seq < ? AND sheddable = 1 ORDER BY seq LIMIT ?`,
    );
    this.deleteRow = db.prepare('DELETE FROM records WHERE rowid = ?');
  }

  /** Keeps every record of `stream` from `seq` on, whatever the pressure; `undefined` lifts it. */
  holdFrom(stream: string, seq: number | undefined): void {
    if (seq === undefined) this.holds.delete(stream);
    else this.holds.set(stream, seq);
  }

  onShed(listener: (ranges: readonly ShedRange[]) => void): () => void {
    this.shedListeners.add(listener);
    return () => this.shedListeners.delete(listener);
  }

  /**
   * Deletes up to `limit` delivered records, oldest first across streams: only sheddable ones
   * if `sheddableOnly`, only those with `at < olderThan` if given. Returns how many went.
   */
  reclaimDelivered(opts: { limit: number; sheddableOnly?: boolean; olderThan?: number }): number {
    const stmt = opts.sheddableOnly ? this.selectDeliveredSheddable : this.selectDelivered;
    const cands: Candidate[] = [];
    for (const s of this.selectStreams.all() as StreamRow[]) {
      const upTo = Math.min(s.delivered_seq, (this.holds.get(s.stream) ?? Number.MAX_SAFE_INTEGER) - 1);
      if (upTo < 1) continue;
      for (const c of stmt.all(s.stream, upTo, opts.limit) as Candidate[]) {
        if (opts.olderThan !== undefined && c.at >= opts.olderThan) break;
        cands.push(c);
      }
    }
    const chosen = oldest(cands, opts.limit);
    this.delete(chosen);
    return chosen.length;
  }

  /** Deletes up to `limit` undelivered sheddable records, oldest first; reports the gaps. */
  shedUndelivered(limit: number): ShedRange[] {
    const cands: Candidate[] = [];
    for (const s of this.selectStreams.all() as StreamRow[]) {
      const hold = this.holds.get(s.stream) ?? Number.MAX_SAFE_INTEGER;
      cands.push(
        ...(this.selectUndeliveredSheddable.all(s.stream, s.delivered_seq, hold, limit) as Candidate[]),
      );
    }
    const chosen = oldest(cands, limit);
    if (chosen.length === 0) return [];
    this.delete(chosen);
    const byStream = new Map<string, ShedRange>();
    for (const c of chosen) {
      const r = byStream.get(c.stream);
      if (!r) {
        byStream.set(c.stream, { stream: c.stream, fromSeq: c.seq, toSeq: c.seq, count: 1, types: [c.type] });
        continue;
      }
      r.fromSeq = Math.min(r.fromSeq, c.seq);
      r.toSeq = Math.max(r.toSeq, c.seq);
      r.count++;
      if (!r.types.includes(c.type)) r.types.push(c.type);
    }
    const ranges = [...byStream.values()];
    for (const listener of this.shedListeners) {
      try {
        listener(ranges);
      } catch (err) {
        this.log.error({ err }, 'shed listener failed');
      }
    }
    return ranges;
  }

  /** Free pages inside the database file. */
  freePages(): number {
    return this.db.pragma('freelist_count', { simple: true }) as number;
  }

  /**
   * Hands free pages back to the file system (incremental vacuum), at most `maxPages` at a
   * time, then checkpoints so that the file and the WAL actually shrink. Returns true if free
   * pages remain (call again). With `checkpointAnyway` (a full disk) the WAL is checkpointed and
   * cut even when there is nothing to vacuum.
   */
  vacuum(maxPages = 8192, checkpointAnyway = false): boolean {
    if (this.freePages() === 0) {
      if (checkpointAnyway) this.cutWal();
      return false;
    }
    this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
    this.cutWal();
    return this.freePages() > 0;
  }

  /** Copies the WAL back into the file and cuts it (a TRUNCATE checkpoint). */
  cutWal(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  private delete(rows: readonly Candidate[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.deleteRow.run(r.rowid);
    })();
  }
}

function oldest(cands: Candidate[], limit: number): Candidate[] {
  cands.sort((a, b) => a.at - b.at || a.rowid - b.rowid);
  return cands.slice(0, limit);
}
