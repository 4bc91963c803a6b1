import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';

/**
 * The ledger of trucks and drivers: one entry per truck that came through a lane (keyed by the
 * lane's transit id) or was put in the yard by a coordinator without one (keyed `visit:<id>`).
 * It is projected from the lane and yard records as they are committed (ledger-projection.ts),
 * kept after the records themselves are reclaimed (`storage.ledgerMaxAgeDays`), and loses its
 * names and ID numbers after `storage.personalDataRetentionDays` (retention.ts).
 */
export const LedgerTestSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['antigen', 'pcr']),
    sampledAt: z.number().int().describe('When the swab was taken (epoch ms)'),
    dueAt: z.number().int().optional(),
    result: z.enum(['negative', 'positive']).optional(),
    resultAt: z.number().int().optional(),
  })
  .strict();
export type LedgerTest = z.infer<typeof LedgerTestSchema>;

export const LedgerEntrySchema = z
  .object({
    entryId: z.string().describe('The transit id, or `visit:<visit id>` for a yard visit without a transit'),
    transitId: z.string().optional(),
    visitId: z.string().optional(),
    lane: z.string().optional(),
    plate: z.string().optional(),
    driver: z
      .object({
        name: z.string().optional(),
        idNumber: z.string().optional(),
        subject: z.string().optional().describe('Pseudonymous pass holder id'),
      })
      .strict(),
    personalData: z
      .enum(['kept', 'pseudonymised', 'deleted'])
      .describe('Names and ID numbers are pseudonymised or deleted after the retention period'),
    origin: z.string().optional(),
    destination: z.string().optional(),
    arrivedAt: z.number().int().describe('Transit start at the lane (or the first record of the truck)'),
    decidedAt: z.number().int().optional(),
    decision: z.enum(['PASS', 'YARD', 'ISOLATE', 'REVIEW']).optional(),
    decidedBy: z.enum(['rules', 'staff']).optional(),
    reasons: z.array(z.string()).describe('Decision reason codes, the deciding ones first'),
    temperatureC: z.number().optional(),
    laneEnd: z.enum(['cleared', 'abandoned', 'interrupted']).optional(),
    laneClearedAt: z.number().int().optional(),
    bay: z.string().optional().describe('The last yard bay held'),
    yardArrivedAt: z.number().int().optional(),
    tests: z.array(LedgerTestSchema),
    departedAt: z.number().int().optional().describe('Left the yard through an exit lane'),
    updatedAt: z.number().int(),
  })
  .strict();
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** Plates compare without case, spaces, dots or dashes: `ab-12 345` finds `AB12345`. */
export function plateKey(plate: string): string {
  return plate.toUpperCase().replace(/[\s.\-_·]/g, '');
}

export interface LedgerRow {
  entry_id: string;
  transit_id: string | null;
  visit_id: string | null;
  lane: string | null;
  plate: string | null;
  driver_name: string | null;
  driver_id_number: string | null;
  driver_subject: string | null;
  origin: string | null;
  destination: string | null;
  arrived_at: number;
  decided_at: number | null;
  decision: string | null;
  decided_by: string | null;
  reasons: string | null;
  temperature_c: number | null;
  lane_end: string | null;
  lane_cleared_at: number | null;
  bay: string | null;
  yard_arrived_at: number | null;
  tests: string;
  departed_at: number | null;
  updated_at: number;
  personal: string;
}

/** Queries over the ledger. */
export class Ledger {
  private readonly selectByPlate: Statement;
  private readonly selectBetween: Statement;
  private readonly selectOne: Statement;

  constructor(db: Database) {
    this.selectByPlate = db.prepare('SELECT * FROM ledger WHERE plate_key = ? ORDER BY arrived_at LIMIT ?');
    this.selectBetween = db.prepare(
      'SELECT * FROM ledger WHERE arrived_at >= ? AND arrived_at < ? ORDER BY arrived_at LIMIT ?',
    );
    this.selectOne = db.prepare('SELECT * FROM ledger WHERE entry_id = ?');
  }

  /** Every entry of a plate, oldest first. */
  byPlate(plate: string, limit = 1000): LedgerEntry[] {
    return (this.selectByPlate.all(plateKey(plate), limit) as LedgerRow[]).map(entryFromRow);
  }

  /**
   * Entries of trucks that arrived in `[from, to)` (epoch ms), oldest first. To find who was on
   * site at a moment, ask from that moment minus the longest stay.
   */
  between(from: number, to: number, limit = 10000): LedgerEntry[] {
    return (this.selectBetween.all(from, to, limit) as LedgerRow[]).map(entryFromRow);
  }

  get(entryId: string): LedgerEntry | undefined {
    const row = this.selectOne.get(entryId) as LedgerRow | undefined;
    return row ? entryFromRow(row) : undefined;
  }
}

function opt<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

export function entryFromRow(r: LedgerRow): LedgerEntry {
  const entry = {
    entryId: r.entry_id,
    transitId: opt(r.transit_id),
    visitId: opt(r.visit_id),
    lane: opt(r.lane),
    plate: opt(r.plate),
    driver: { name: opt(r.driver_name), idNumber: opt(r.driver_id_number), subject: opt(r.driver_subject) },
    personalData: r.personal,
    origin: opt(r.origin),
    destination: opt(r.destination),
    arrivedAt: r.arrived_at,
    decidedAt: opt(r.decided_at),
    decision: opt(r.decision),
    decidedBy: opt(r.decided_by),
    reasons: r.reasons ? (JSON.parse(r.reasons) as string[]) : [],
    temperatureC: opt(r.temperature_c),
    laneEnd: opt(r.lane_end),
    laneClearedAt: opt(r.lane_cleared_at),
    bay: opt(r.bay),
    yardArrivedAt: opt(r.yard_arrived_at),
    tests: JSON.parse(r.tests) as LedgerTest[],
    departedAt: opt(r.departed_at),
    updatedAt: r.updated_at,
  };
  // Drop the undefined keys so that the result is exactly the schema's shape.
  return LedgerEntrySchema.parse(JSON.parse(JSON.stringify(entry)));
}
