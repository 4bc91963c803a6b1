import type { Database } from 'better-sqlite3';
import { type HandoverEntry, type HandoverRow, handoverFromRow } from '../store/handover-ledger.ts';

const PAGE = 500;

/** The columns of `gatepost export --kind handovers` (CSV), in order. */
export const HANDOVER_CSV_COLUMNS = [
  'handover_id',
  'bay',
  'visit_id',
  'inbound_plate',
  'inbound_transit_id',
  'receiving_plate',
  'receiving_plate_colour',
  'receiving_transit_id',
  'escort_id',
  'escort_name',
  'escort_phone',
  'personal_data',
  'cargo',
  'seals_before',
  'seals_broken',
  'seals_after',
  'seal_mismatch',
  'state',
  'opened_at',
  'opened_by',
  'due_at',
  'overdue',
  'receiving_arrived_at',
  'transferred_at',
  'closed_at',
  'aborted_at',
  'abort_reason',
  'departed_at',
] as const;

const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());

/** A hand-over as one CSV row (fields made safe by `field`); seals space-separated. */
export function handoverCsvLine(h: HandoverEntry, field: (v: string) => string): string {
  const cells = [
    h.handoverId,
    h.bay,
    h.visitId,
    h.inboundPlate ?? '',
    h.inboundTransitId ?? '',
    h.receivingPlate,
    h.receivingPlateColour ?? '',
    h.receivingTransitId ?? '',
    h.escort.id,
    h.escort.name ?? '',
    h.escort.phone ?? '',
    h.personalData,
    h.cargo,
    h.sealsBefore.join(' '),
    (h.sealsBroken ?? []).join(' '),
    (h.sealsAfter ?? []).join(' '),
    h.sealMismatch ? 'yes' : 'no',
    h.state,
    iso(h.openedAt),
    h.openedBy ?? '',
    iso(h.dueAt),
    h.overdue ? 'yes' : 'no',
    iso(h.receivingArrivedAt),
    iso(h.transferredAt),
    iso(h.closedAt),
    iso(h.abortedAt),
    h.abortReason ?? '',
    iso(h.departedAt),
  ];
  return `${cells.map(field).join(',')}\r\n`;
}

/**
 * Writes the hand-overs opened in [from, to), oldest first, as CSV or JSON lines (one
 * HandoverEntry each), in keyset pages; returns how many. A store from before hand-overs (no
 * table) has none.
 */
export async function writeHandovers(
  db: Database,
  o: { from: number; to: number; format: 'csv' | 'jsonl'; field: (v: string) => string },
  write: (chunk: string) => Promise<void>,
  progress: (total: number) => (done: number, last?: boolean) => void,
): Promise<number> {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'handovers'").get();
  if (o.format === 'csv') await write(`${HANDOVER_CSV_COLUMNS.join(',')}\r\n`);
  if (!table) return 0;
  const total = (
    db
      .prepare('SELECT COUNT(*) AS n FROM handovers WHERE opened_at >= ? AND opened_at < ?')
      .get(o.from, o.to) as {
      n: number;
    }
  ).n;
  const page = db.prepare(
    `SELECT * FROM handovers WHERE opened_at < @to AND
       (opened_at > @at OR (opened_at = @at AND handover_id > @id))
     ORDER BY opened_at, handover_id LIMIT ${PAGE}`,
  );
  const bar = progress(total);
  let rows = 0;
  let cursor = { at: o.from - 1, id: '' };
  for (;;) {
    const batch = page.all({ to: o.to, at: cursor.at, id: cursor.id }) as HandoverRow[];
    for (const row of batch) {
      const h = handoverFromRow(row);
      await write(o.format === 'csv' ? handoverCsvLine(h, o.field) : `${JSON.stringify(h)}\n`);
      rows++;
    }
    const last = batch.at(-1);
    if (!last || batch.length < PAGE) break;
    cursor = { at: last.opened_at, id: last.handover_id };
    bar(rows);
  }
  bar(rows, true);
  return rows;
}
