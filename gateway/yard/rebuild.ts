import type { Database } from 'better-sqlite3';
import type { Clock } from '../../core/clock.ts';
import { recordId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { GatepostRecord } from '../mqtt/record.ts';
import { replayRecord } from './record-plans.ts';
import { type BaySnapshot, YARD_RECORDS, type YardRecordData } from './yard-payloads.ts';
import type { YardState } from './yard-state.ts';

export const YARD_STREAM = 'yard';

/** Where the yard's records go: committed, then published (RecordSink fits). */
export interface YardRecordWriter {
  record<D>(stream: string, type: string, data: D): Promise<GatepostRecord<D>>;
}

/** Where the yard reads its records back (RecordStore fits, plus an optional fast look-up). */
export interface YardRecordReader {
  readStream(stream: string, fromSeq?: number, limit?: number): GatepostRecord[];
  /** Seq of the last record of a type in a stream (before `beforeSeq`), so a restart can start at a snapshot. */
  lastSeqOfType?(stream: string, type: string, beforeSeq?: number): number | undefined;
}

/**
 * A reader over the gateway's SQLite store. The record store has no "last record of a type"
 * query, so this runs one on its `records` table (read only).
 */
export function storeYardReader(db: Database, store: Pick<YardRecordReader, 'readStream'>): YardRecordReader {
  const lastOfType = db.prepare(
    'SELECT MAX(seq) AS seq FROM records WHERE stream = ? AND type = ? AND seq < ?',
  );
  return {
    readStream: (stream, fromSeq, limit) => store.readStream(stream, fromSeq, limit),
    lastSeqOfType: (stream, type, beforeSeq = Number.MAX_SAFE_INTEGER) =>
      (lastOfType.get(stream, type, beforeSeq) as { seq: number | null }).seq ?? undefined,
  };
}

export interface RebuildReport {
  records: number;
  skipped: number;
  /** The last record of the snapshot loaded, if any. */
  snapshotSeq: number | undefined;
  /** The first record a later rebuild needs (the first part of the snapshot, or 1): keep it and all after it. */
  keepFrom: number;
}

const PAGE = 1000;
type SnapshotData = YardRecordData<'snapshot'>;

/**
 * Rebuilds the yard from its stream: loads the last complete snapshot, then applies every
 * record after it in order, through the same code the live yard uses. A record that does not
 * fit (it should not happen) is logged and skipped, never half-applied.
 */
export function rebuildYard(state: YardState, reader: YardRecordReader, log: Logger): RebuildReport {
  state.reset();
  let from = 1;
  let snapshotSeq: number | undefined;
  let keepFrom = 1;
  // The last complete snapshot: one cut short by a crash between its commits is passed over.
  let before: number | undefined;
  for (let tries = 0; tries < 10 && reader.lastSeqOfType; tries++) {
    const last = reader.lastSeqOfType(YARD_STREAM, 'snapshot', before);
    if (last === undefined) break;
    const loaded = loadSnapshotEndingAt(state, reader, last, log);
    if (loaded.ok) {
      from = last + 1;
      snapshotSeq = last;
      keepFrom = loaded.firstSeq;
      break;
    }
    before = loaded.firstSeq;
  }
  let records = 0;
  let skipped = 0;
  let parts: GatepostRecord<SnapshotData>[] = [];
  for (;;) {
    const page = reader.readStream(YARD_STREAM, from, PAGE);
    for (const rec of page) {
      records++;
      if (rec.type === 'snapshot') {
        // Only met when replaying from the start (no fast look-up): load it when complete.
        const parsed = YARD_RECORDS.snapshot.safeParse(rec.data);
        if (!parsed.success) continue;
        parts = parsed.data.part === 1 ? [] : parts;
        parts.push({ ...rec, data: parsed.data });
        if (parsed.data.part === parsed.data.parts && completeSnapshot(parts)) {
          load(state, parts, log);
          snapshotSeq = rec.seq;
          keepFrom = parts[0]?.seq ?? keepFrom;
        }
        continue;
      }
      const refused = replayRecord(state, rec);
      if (refused) {
        skipped++;
        log.error(
          { seq: rec.seq, type: rec.type, reason: refused.reason, detail: refused.message },
          'yard record skipped on rebuild',
        );
      }
    }
    if (page.length < PAGE) break;
    from = (page.at(-1)?.seq ?? from) + 1;
  }
  return { records, skipped, snapshotSeq, keepFrom };
}

/** Loads the snapshot whose last record is `seq`; else says where to look before it. */
function loadSnapshotEndingAt(
  state: YardState,
  reader: YardRecordReader,
  seq: number,
  log: Logger,
): { ok: boolean; firstSeq: number } {
  const tail = reader.readStream(YARD_STREAM, seq, 1)[0];
  const parsedTail = tail ? YARD_RECORDS.snapshot.safeParse(tail.data) : undefined;
  if (!tail || !parsedTail?.success) {
    log.warn({ seq }, 'yard snapshot record unreadable; looking for an earlier one');
    return { ok: false, firstSeq: seq };
  }
  const { part, parts: n } = parsedTail.data;
  const firstSeq = seq - part + 1;
  const recs = part === n ? reader.readStream(YARD_STREAM, firstSeq, n) : [];
  const parts: GatepostRecord<SnapshotData>[] = [];
  for (const r of recs) {
    const p = r.type === 'snapshot' ? YARD_RECORDS.snapshot.safeParse(r.data) : undefined;
    if (p?.success) parts.push({ ...r, data: p.data });
  }
  if (!completeSnapshot(parts) || parts.at(-1)?.seq !== seq) {
    log.warn({ seq }, 'yard snapshot incomplete (cut short by a crash?); looking for an earlier one');
    return { ok: false, firstSeq };
  }
  load(state, parts, log);
  return { ok: true, firstSeq };
}

/** Parts 1..n of one snapshot, in consecutive records. */
function completeSnapshot(parts: readonly GatepostRecord<SnapshotData>[]): boolean {
  const first = parts[0];
  if (!first) return false;
  return parts.every(
    (p, i) =>
      p.data.snapshotId === first.data.snapshotId &&
      p.data.part === i + 1 &&
      p.data.parts === parts.length &&
      p.seq === first.seq + i,
  );
}

function load(state: YardState, parts: readonly GatepostRecord<SnapshotData>[], log: Logger): void {
  const last = parts.at(-1);
  if (!last) return;
  const dropped = state.loadSnapshot(
    parts.flatMap((p) => p.data.bays),
    last.data.cursors,
    last.seq,
  );
  if (dropped.length > 0) log.warn({ bays: dropped }, 'bays in the snapshot are no longer in the config');
}

/** The snapshot records of the yard now: at most `perPart` bays each. */
export function snapshotParts(state: YardState, clock: Clock, perPart = 100): SnapshotData[] {
  const bays: BaySnapshot[] = state.snapshotBays();
  const snapshotId = recordId(clock);
  const parts = Math.max(1, Math.ceil(bays.length / perPart));
  const cursors = state.cursorsRecord();
  return Array.from({ length: parts }, (_, i) => ({
    snapshotId,
    part: i + 1,
    parts,
    cursors,
    bays: bays.slice(i * perPart, (i + 1) * perPart),
  }));
}
