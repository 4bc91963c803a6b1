import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { type PlateColour, PlateColourSchema } from '../../core/plate-colour.ts';

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

/**
 * One person of an entry (the export writes a row for each). Names, ID numbers and holder ids
 * are pseudonymised or deleted with the entry's (`personName`, `idNumber`, `subject` are
 * personal keys: personal-data.ts).
 */
export const LedgerPersonSchema = z
  .object({
    seat: z.number().int().positive().describe('In the order they joined the transit; 1 is the driver'),
    role: z.enum(['driver', 'co-driver', 'escort']),
    personName: z.string().nullable().optional().describe('As registered by hand'),
    idNumber: z.string().nullable().optional(),
    subject: z.string().nullable().optional().describe('Pseudonymous pass holder id'),
    outcome: z.enum(['PASS', 'YARD', 'ISOLATE', 'REVIEW']).optional().describe("This person's own"),
    reasons: z.array(z.string()),
    temperatureC: z.number().optional(),
  })
  .strict();
export type LedgerPerson = z.infer<typeof LedgerPersonSchema>;

export const LedgerEntrySchema = z
  .object({
    entryId: z.string().describe('The transit id, or `visit:<visit id>` for a yard visit without a transit'),
    transitId: z.string().optional(),
    visitId: z.string().optional(),
    lane: z.string().optional(),
    plate: z.string().optional(),
    plateColour: PlateColourSchema.optional().describe('Absent when not known (a pass names no colour)'),
    trailerPlate: z.string().optional(),
    driver: z
      .object({
        name: z.string().optional(),
        idNumber: z.string().optional(),
        subject: z.string().optional().describe('Pseudonymous pass holder id'),
      })
      .strict()
      .describe('Seat 1 (before crews: the one person)'),
    persons: z
      .array(LedgerPersonSchema)
      .describe('Every person in the cab; for entries written before crews, the driver alone'),
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

/**
 * Plates compare without case, spaces, dots or dashes: `ab-12 345` finds `AB12345`. A vehicle is
 * its plate and the plate's colour: the ledger is keyed by both (`plate_key`, `plate_colour`).
 */
export function plateKey(plate: string): string {
  return plate.toUpperCase().replace(/[\s.\-_·]/g, '');
}

export interface LedgerRow {
  entry_id: string;
  transit_id: string | null;
  visit_id: string | null;
  lane: string | null;
  plate: string | null;
  plate_colour?: string | null;
  trailer_plate?: string | null;
  persons?: string | null;
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
    this.selectByPlate = db.prepare(
      `SELECT * FROM ledger WHERE plate_key = @key
         AND (@colour IS NULL OR plate_colour IS NULL OR plate_colour = @colour)
       ORDER BY arrived_at LIMIT @limit`,
    );
    this.selectBetween = db.prepare(
      'SELECT * FROM ledger WHERE arrived_at >= ? AND arrived_at < ? ORDER BY arrived_at LIMIT ?',
    );
    this.selectOne = db.prepare('SELECT * FROM ledger WHERE entry_id = ?');
  }

  /**
   * Every entry of a vehicle, oldest first: its plate and, when given, its colour (entries whose
   * colour is not known match any colour; another colour is another vehicle).
   */
  byPlate(plate: string, colour?: PlateColour, limit = 1000): LedgerEntry[] {
    const rows = this.selectByPlate.all({
      key: plateKey(plate),
      colour: colour ?? null,
      limit,
    }) as LedgerRow[];
    return rows.map(entryFromRow);
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

/** The persons of a row: its JSON, or for a row written before crews, its driver. */
function personsOf(r: LedgerRow): LedgerPerson[] {
  if (r.persons) return JSON.parse(r.persons) as LedgerPerson[];
  if (!r.driver_name && !r.driver_id_number && !r.driver_subject && r.temperature_c === null) return [];
  return [
    {
      seat: 1,
      role: 'driver',
      personName: r.driver_name,
      idNumber: r.driver_id_number,
      subject: r.driver_subject,
      ...(r.decision ? { outcome: r.decision as LedgerPerson['outcome'] } : {}),
      reasons: r.reasons ? (JSON.parse(r.reasons) as string[]) : [],
      ...(r.temperature_c === null ? {} : { temperatureC: r.temperature_c }),
    },
  ];
}

export function entryFromRow(r: LedgerRow): LedgerEntry {
  const entry = {
    entryId: r.entry_id,
    transitId: opt(r.transit_id),
    visitId: opt(r.visit_id),
    lane: opt(r.lane),
    plate: opt(r.plate),
    plateColour: opt(r.plate_colour ?? null),
    trailerPlate: opt(r.trailer_plate ?? null),
    persons: personsOf(r),
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
