import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { Logger } from '../../core/logger.ts';
import type { GatepostRecord } from '../mqtt/record.ts';
import { type LedgerPerson, type LedgerTest, plateKey } from './ledger.ts';
import type { RecordProjection } from './record-store.ts';

/**
 * Feeds the ledger from the records the lanes and the yard already write, inside the
 * transaction that commits them, so the ledger can never disagree with the records.
 *
 * | record (stream)                 | ledger                                                  |
 * |---------------------------------|---------------------------------------------------------|
 * | `transit-start` (lane)          | new entry: arrival time, lane                            |
 * | `decision` (lane)               | decision, reasons, plate, driver, origin, destination, bay |
 * | `transit-end` (lane)            | how and when the truck left the lane                     |
 * | `bay-reserved` (yard)           | the visit joins the transit's entry (or starts its own)  |
 * | `truck-arrived`, `truck-moved`  | bay, arrival in the yard                                 |
 * | `sample-recorded`, `result-recorded` | tests                                              |
 * | `truck-exited` (yard)           | departure                                                |
 *
 * The schemas below are deliberately loose (only the fields the ledger reads) and follow
 * gateway/lanes/lane-records.ts and gateway/yard/yard-payloads.ts. A record that does not fit is
 * stored all the same; the ledger skips it, logs and counts it (`skipped`).
 */
const str = z.string().min(1);
const epoch = z.number().int();
const sampleKind = z.enum(['antigen', 'pcr']);

const TransitStart = z.object({ transitId: str, lane: str.optional() }).loose();
const TransitEnd = z.object({ transitId: str, end: z.enum(['cleared', 'abandoned', 'interrupted']) }).loose();
const Decision = z
  .object({
    transitId: str,
    lane: str.optional(),
    outcome: z.enum(['PASS', 'YARD', 'ISOLATE', 'REVIEW']),
    by: z.enum(['rules', 'staff']).optional(),
    reasons: z.array(z.object({ code: z.string() }).loose()).optional(),
    plate: str.optional(),
    plateColour: str.optional(),
    trailerPlate: str.optional(),
    temperatureC: z.number().optional(),
    bay: str.optional(),
    persons: z
      .array(
        z
          .object({
            seat: z.number().int().positive(),
            role: z.enum(['driver', 'co-driver', 'escort']),
            outcome: z.enum(['PASS', 'YARD', 'ISOLATE', 'REVIEW']).optional(),
            reasons: z.array(z.object({ code: z.string() }).loose()).optional(),
            temperatureC: z.number().optional(),
            pass: z.object({ subject: str.optional() }).loose().optional(),
            manual: z.object({ name: str.optional(), idNumber: str.optional() }).loose().optional(),
          })
          .loose(),
      )
      .optional(),
    pass: z.object({ plate: str.optional(), subject: str.optional() }).loose().optional(),
    manual: z
      .object({
        plate: str.optional(),
        name: str.optional(),
        idNumber: str.optional(),
        origin: str.optional(),
        destination: str.optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
const BayReserved = z
  .object({
    bay: str,
    visit: z
      .object({
        id: str,
        plate: str.optional(),
        plateColour: str.optional(),
        subject: str.optional(),
        origin: str.optional(),
        destination: str.optional(),
        lane: str.optional(),
        transitId: str.optional(),
      })
      .loose(),
  })
  .loose();
const VisitAtBay = z.object({ visitId: str, bay: str.optional() }).loose();
const TruckMoved = z.object({ visitId: str, to: str }).loose();
const SampleRecorded = z
  .object({ visitId: str, sampleId: str, kind: sampleKind, dueAt: epoch.optional() })
  .loose();
const ResultRecorded = z
  .object({ visitId: str, sampleId: str, kind: sampleKind, result: z.enum(['negative', 'positive']) })
  .loose();

/** Ledger columns a record may set; absent ones keep their value. */
interface Fields {
  transit_id?: string;
  visit_id?: string;
  lane?: string;
  plate?: string;
  plate_colour?: string;
  trailer_plate?: string;
  persons?: string;
  driver_name?: string;
  driver_id_number?: string;
  driver_subject?: string;
  origin?: string;
  destination?: string;
  decided_at?: number;
  decision?: string;
  decided_by?: string;
  reasons?: string;
  temperature_c?: number;
  lane_end?: string;
  lane_cleared_at?: number;
  bay?: string;
  yard_arrived_at?: number;
  departed_at?: number;
}

const COLUMNS: readonly (keyof Fields)[] = [
  'transit_id',
  'visit_id',
  'lane',
  'plate',
  'plate_colour',
  'trailer_plate',
  'persons',
  'driver_name',
  'driver_id_number',
  'driver_subject',
  'origin',
  'destination',
  'decided_at',
  'decision',
  'decided_by',
  'reasons',
  'temperature_c',
  'lane_end',
  'lane_cleared_at',
  'bay',
  'yard_arrived_at',
  'departed_at',
];

type Handler = (w: LedgerProjection, r: GatepostRecord) => boolean;

function handler<S extends z.ZodType>(
  schema: S,
  apply: (w: LedgerProjection, r: GatepostRecord, d: z.infer<S>) => void,
) {
  return (w: LedgerProjection, r: GatepostRecord): boolean => {
    const parsed = schema.safeParse(r.data);
    if (!parsed.success) return false;
    apply(w, r, parsed.data);
    return true;
  };
}

const HANDLERS: Record<string, Handler> = {
  'transit-start': handler(TransitStart, (w, r, d) =>
    w.upsert(d.transitId, r.at, { transit_id: d.transitId, lane: d.lane }),
  ),
  decision: handler(Decision, (w, r, d) =>
    w.upsert(d.transitId, r.at, {
      transit_id: d.transitId,
      lane: d.lane,
      decision: d.outcome,
      decided_at: r.at,
      decided_by: d.by,
      reasons: d.reasons ? JSON.stringify(d.reasons.map((x) => x.code)) : undefined,
      plate: d.plate ?? d.manual?.plate ?? d.pass?.plate,
      plate_colour: d.plateColour,
      trailer_plate: d.trailerPlate,
      persons: d.persons ? JSON.stringify(d.persons.map(ledgerPerson)) : undefined,
      driver_name: d.manual?.name,
      driver_id_number: d.manual?.idNumber,
      driver_subject: d.pass?.subject,
      origin: d.manual?.origin,
      destination: d.manual?.destination,
      temperature_c: d.temperatureC,
      bay: d.bay,
    }),
  ),
  'transit-end': handler(TransitEnd, (w, r, d) =>
    w.upsert(d.transitId, r.at, { transit_id: d.transitId, lane_end: d.end, lane_cleared_at: r.at }),
  ),
  'bay-reserved': handler(BayReserved, (w, r, d) => {
    const v = d.visit;
    const entry = v.transitId ?? w.entryOfVisit(v.id) ?? `visit:${v.id}`;
    w.upsert(entry, r.at, {
      transit_id: v.transitId,
      visit_id: v.id,
      lane: v.lane,
      plate: v.plate,
      plate_colour: v.plateColour,
      driver_subject: v.subject,
      origin: v.origin,
      destination: v.destination,
      bay: d.bay,
    });
  }),
  'truck-arrived': handler(VisitAtBay, (w, r, d) =>
    w.upsertVisit(d.visitId, r.at, { bay: d.bay, yard_arrived_at: r.at }),
  ),
  'truck-moved': handler(TruckMoved, (w, r, d) => w.upsertVisit(d.visitId, r.at, { bay: d.to })),
  'truck-exited': handler(VisitAtBay, (w, r, d) => w.upsertVisit(d.visitId, r.at, { departed_at: r.at })),
  'sample-recorded': handler(SampleRecorded, (w, r, d) =>
    w.updateTests(d.visitId, r.at, (tests) => {
      if (!tests.some((t) => t.id === d.sampleId)) {
        tests.push({
          id: d.sampleId,
          kind: d.kind,
          sampledAt: r.at,
          ...(d.dueAt === undefined ? {} : { dueAt: d.dueAt }),
        });
      }
    }),
  ),
  'result-recorded': handler(ResultRecorded, (w, r, d) =>
    w.updateTests(d.visitId, r.at, (tests) => {
      let t = tests.find((x) => x.id === d.sampleId);
      if (!t) {
        t = { id: d.sampleId, kind: d.kind, sampledAt: r.at };
        tests.push(t);
      }
      t.result = d.result;
      t.resultAt = r.at;
    }),
  ),
};

/** A person of a decision as the ledger keeps them (ledger.ts LedgerPersonSchema). */
function ledgerPerson(p: NonNullable<z.infer<typeof Decision>['persons']>[number]): LedgerPerson {
  return {
    seat: p.seat,
    role: p.role,
    ...(p.manual?.name ? { personName: p.manual.name } : {}),
    ...(p.manual?.idNumber ? { idNumber: p.manual.idNumber } : {}),
    ...(p.pass?.subject ? { subject: p.pass.subject } : {}),
    ...(p.outcome ? { outcome: p.outcome } : {}),
    reasons: (p.reasons ?? []).map((r) => r.code),
    ...(p.temperatureC === undefined ? {} : { temperatureC: p.temperatureC }),
  };
}

/** Record types that feed the ledger. */
export const LEDGER_RECORD_TYPES: readonly string[] = Object.keys(HANDLERS);

export class LedgerProjection implements RecordProjection {
  private readonly upsertStmt: Statement;
  private readonly byVisit: Statement;
  private readonly selectTests: Statement;
  private readonly updateTestsStmt: Statement;
  /** Records of a ledger type that did not fit their schema. */
  skipped = 0;
  private readonly warned = new Set<string>();

  constructor(
    db: Database,
    private readonly log: Logger,
  ) {
    const cols = COLUMNS.join(', ');
    const params = COLUMNS.map((c) => `@${c}`).join(', ');
    const sets = COLUMNS.map((c) => `${c} = COALESCE(excluded.${c}, ${c})`).join(', ');
    this.upsertStmt = db.prepare(
      `INSERT INTO ledger (entry_id, arrived_at, updated_at, plate_key, ${cols})
       VALUES (@entry_id, @at, @at, @plate_key, ${params})
       ON CONFLICT (entry_id) DO UPDATE SET ${sets},
         plate_key = COALESCE(excluded.plate_key, plate_key),
         arrived_at = MIN(arrived_at, excluded.arrived_at),
         personal = CASE WHEN COALESCE(excluded.driver_name, excluded.driver_id_number, excluded.driver_subject,
           excluded.persons) IS NULL THEN personal ELSE 'kept' END,
         updated_at = MAX(updated_at, excluded.updated_at)`,
    );
    this.byVisit = db.prepare('SELECT entry_id FROM ledger WHERE visit_id = ?');
    this.selectTests = db.prepare('SELECT tests FROM ledger WHERE entry_id = ?');
    this.updateTestsStmt = db.prepare(
      'UPDATE ledger SET tests = ?, updated_at = MAX(updated_at, ?) WHERE entry_id = ?',
    );
  }

  accepts(type: string): boolean {
    return Object.hasOwn(HANDLERS, type);
  }

  apply(record: GatepostRecord): void {
    const h = HANDLERS[record.type];
    if (h && !h(this, record)) {
      this.skipped++;
      // Once per type at warn level: a schema drift would otherwise log every record.
      const first = !this.warned.has(record.type);
      this.warned.add(record.type);
      this.log[first ? 'warn' : 'debug'](
        { type: record.type, id: record.id },
        'record does not fit the ledger; skipped there',
      );
    }
  }

  upsert(entryId: string, at: number, fields: Fields): void {
    const row: Record<string, unknown> = {
      entry_id: entryId,
      at,
      plate_key: fields.plate ? plateKey(fields.plate) : null,
    };
    for (const c of COLUMNS) row[c] = fields[c] ?? null;
    this.upsertStmt.run(row);
  }

  entryOfVisit(visitId: string): string | undefined {
    return (this.byVisit.get(visitId) as { entry_id: string } | undefined)?.entry_id;
  }

  /** Updates the entry of a yard visit, making one if the visit is not known yet. */
  upsertVisit(visitId: string, at: number, fields: Fields): void {
    this.upsert(this.entryOfVisit(visitId) ?? `visit:${visitId}`, at, { ...fields, visit_id: visitId });
  }

  updateTests(visitId: string, at: number, change: (tests: LedgerTest[]) => void): void {
    let entry = this.entryOfVisit(visitId);
    if (!entry) {
      entry = `visit:${visitId}`;
      this.upsert(entry, at, { visit_id: visitId });
    }
    const row = this.selectTests.get(entry) as { tests: string };
    const tests = JSON.parse(row.tests) as LedgerTest[];
    change(tests);
    this.updateTestsStmt.run(JSON.stringify(tests), at, entry);
  }
}
