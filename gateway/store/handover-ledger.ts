import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { Logger } from '../../core/logger.ts';
import type { GatepostRecord } from '../mqtt/record.ts';
import type { RecordProjection } from './record-store.ts';

/**
 * The ledger of point-to-point hand-overs: one row per hand-over, projected from the yard's
 * `handover-*` records (and the inbound truck's `truck-exited` under escort) in the transaction
 * that commits them, like the ledger of trucks (ledger-projection.ts). The escort's name and
 * phone are personal data: retention pseudonymises or deletes them (handover-retention.ts).
 */
/** Store migration 4 (listed in migrations.ts). */
export const HANDOVERS_MIGRATION = {
  version: 4,
  description: 'the ledger of point-to-point hand-overs (gateway/store/handover-ledger.ts)',
  sql: `
    -- One row per hand-over in a handover bay. inbound_*: the truck that brought the goods
    -- (from the ledger entry of its visit); receiving_*: the truck that takes them on, with its
    -- lane transit when it passed a lane. Seals are JSON arrays, normalised (trimmed, upper case).
    CREATE TABLE handovers (
      handover_id            TEXT PRIMARY KEY,
      bay                    TEXT NOT NULL,
      visit_id               TEXT NOT NULL,
      inbound_plate          TEXT,
      inbound_transit_id     TEXT,
      receiving_plate        TEXT NOT NULL,
      receiving_plate_colour TEXT,
      receiving_transit_id   TEXT,
      escort_id              TEXT NOT NULL,
      escort_name            TEXT,
      escort_phone           TEXT,
      seals_before           TEXT NOT NULL,
      seals_broken           TEXT,
      seals_after            TEXT,
      seal_mismatch          INTEGER NOT NULL DEFAULT 0 CHECK (seal_mismatch IN (0, 1)),
      cargo                  TEXT NOT NULL,
      state                  TEXT NOT NULL,
      opened_at              INTEGER NOT NULL,
      opened_by              TEXT,
      due_at                 INTEGER NOT NULL,
      overdue                INTEGER NOT NULL DEFAULT 0 CHECK (overdue IN (0, 1)),
      receiving_arrived_at   INTEGER,
      transferred_at         INTEGER,
      closed_at              INTEGER,
      aborted_at             INTEGER,
      abort_reason           TEXT,
      departed_at            INTEGER,
      updated_at             INTEGER NOT NULL,
      personal               TEXT NOT NULL DEFAULT 'kept' CHECK (personal IN ('kept', 'pseudonymised', 'deleted'))
    ) WITHOUT ROWID;
    CREATE INDEX handovers_opened ON handovers (opened_at);
    CREATE INDEX handovers_personal ON handovers (updated_at) WHERE personal = 'kept';
  `,
};

export interface HandoverRow {
  handover_id: string;
  bay: string;
  visit_id: string;
  inbound_plate: string | null;
  inbound_transit_id: string | null;
  receiving_plate: string;
  receiving_plate_colour: string | null;
  receiving_transit_id: string | null;
  escort_id: string;
  escort_name: string | null;
  escort_phone: string | null;
  seals_before: string;
  seals_broken: string | null;
  seals_after: string | null;
  seal_mismatch: number;
  cargo: string;
  state: string;
  opened_at: number;
  opened_by: string | null;
  due_at: number;
  overdue: number;
  receiving_arrived_at: number | null;
  transferred_at: number | null;
  closed_at: number | null;
  aborted_at: number | null;
  abort_reason: string | null;
  departed_at: number | null;
  updated_at: number;
  personal: string;
}

// Loose schemas of the records (only what the table reads): gateway/yard/handover/handover-payloads.ts.
const str = z.string().min(1);
const base = { handoverId: str, bay: str, visitId: str };
const by = z.object({ id: z.string().optional() }).loose();
const Opened = z
  .object({
    ...base,
    receivingPlate: str,
    receivingPlateColour: str.optional(),
    receivingTransitId: str.optional(),
    escort: z.object({ id: str, name: z.string().nullable(), phone: z.string().nullable() }).loose(),
    sealsBefore: z.array(z.string()),
    cargo: z.string(),
    dueAt: z.number().int(),
    by,
  })
  .loose();
const Step = z.object(base).loose();
const Transferred = z
  .object({
    ...base,
    sealsBroken: z.array(z.string()),
    sealsAfter: z.array(z.string()),
    sealMismatch: z.boolean(),
  })
  .loose();
const Aborted = z.object({ ...base, reason: z.string() }).loose();
const Exited = z.object({ visitId: str, handoverId: str.optional() }).loose();

export const HANDOVER_LEDGER_TYPES = [
  'handover-opened',
  'handover-receiving-arrived',
  'handover-transferred',
  'handover-closed',
  'handover-aborted',
  'handover-overdue',
  'truck-exited',
] as const;

export class HandoverProjection implements RecordProjection {
  private readonly insert: Statement;
  private readonly update: (sets: string) => Statement;
  private readonly statements = new Map<string, Statement>();
  /** Records of a hand-over type that did not fit their schema. */
  skipped = 0;

  constructor(
    db: Database,
    private readonly log: Logger,
  ) {
    this.insert = db.prepare(
      `INSERT INTO handovers (handover_id, bay, visit_id, inbound_plate, inbound_transit_id, receiving_plate,
         receiving_plate_colour, receiving_transit_id, escort_id, escort_name, escort_phone, seals_before, cargo,
         state, opened_at, opened_by, due_at, updated_at)
       VALUES (@handover_id, @bay, @visit_id,
         (SELECT plate FROM ledger WHERE visit_id = @visit_id), (SELECT transit_id FROM ledger WHERE visit_id = @visit_id),
         @receiving_plate, @receiving_plate_colour, @receiving_transit_id, @escort_id, @escort_name, @escort_phone,
         @seals_before, @cargo, 'opened', @at, @opened_by, @due_at, @at)
       ON CONFLICT (handover_id) DO NOTHING`,
    );
    this.update = (sets) => {
      let s = this.statements.get(sets);
      if (!s) {
        s = db.prepare(
          `UPDATE handovers SET ${sets}, updated_at = MAX(updated_at, @at) WHERE handover_id = @id`,
        );
        this.statements.set(sets, s);
      }
      return s;
    };
  }

  accepts(type: string): boolean {
    return (HANDOVER_LEDGER_TYPES as readonly string[]).includes(type);
  }

  apply(r: GatepostRecord): void {
    if (!this.project(r)) {
      this.skipped++;
      this.log.warn({ type: r.type, id: r.id }, 'record does not fit the hand-over ledger; skipped there');
    }
  }

  private project(r: GatepostRecord): boolean {
    const at = r.at;
    const step = (sets: string, extra: Record<string, unknown> = {}) => {
      const p = Step.safeParse(r.data);
      if (!p.success) return false;
      this.update(sets).run({ id: p.data.handoverId, at, ...extra });
      return true;
    };
    switch (r.type) {
      case 'handover-opened': {
        const p = Opened.safeParse(r.data);
        if (!p.success) return false;
        const d = p.data;
        this.insert.run({
          handover_id: d.handoverId,
          bay: d.bay,
          visit_id: d.visitId,
          receiving_plate: d.receivingPlate,
          receiving_plate_colour: d.receivingPlateColour ?? null,
          receiving_transit_id: d.receivingTransitId ?? null,
          escort_id: d.escort.id,
          escort_name: d.escort.name,
          escort_phone: d.escort.phone,
          seals_before: JSON.stringify(d.sealsBefore),
          cargo: d.cargo,
          at,
          opened_by: d.by.id ?? null,
          due_at: d.dueAt,
        });
        return true;
      }
      case 'handover-receiving-arrived': {
        const transit = (r.data as { receivingTransitId?: unknown }).receivingTransitId;
        return step(
          "state = 'receiving-arrived', receiving_arrived_at = @at, receiving_transit_id = COALESCE(@transit, receiving_transit_id)",
          { transit: typeof transit === 'string' ? transit : null },
        );
      }
      case 'handover-transferred': {
        const p = Transferred.safeParse(r.data);
        if (!p.success) return false;
        this.update(
          "state = 'transferred', transferred_at = @at, seals_broken = @broken, seals_after = @after, seal_mismatch = @mismatch",
        ).run({
          id: p.data.handoverId,
          at,
          broken: JSON.stringify(p.data.sealsBroken),
          after: JSON.stringify(p.data.sealsAfter),
          mismatch: p.data.sealMismatch ? 1 : 0,
        });
        return true;
      }
      case 'handover-closed':
        return step("state = 'closed', closed_at = @at");
      case 'handover-aborted': {
        const p = Aborted.safeParse(r.data);
        return (
          p.success &&
          step("state = 'aborted', aborted_at = @at, abort_reason = @reason", { reason: p.data.reason })
        );
      }
      case 'handover-overdue':
        return step('overdue = 1');
      case 'truck-exited': {
        const p = Exited.safeParse(r.data);
        if (!p.success) return false;
        if (p.data.handoverId !== undefined)
          this.update('departed_at = @at').run({ id: p.data.handoverId, at });
        return true;
      }
      default:
        return true;
    }
  }
}

/** A hand-over as the export writes it (JSON lines); the CSV has the same fields flat. */
export const HandoverEntrySchema = z
  .object({
    handoverId: z.string(),
    bay: z.string(),
    visitId: z.string(),
    inboundPlate: z.string().optional(),
    inboundTransitId: z.string().optional(),
    receivingPlate: z.string(),
    receivingPlateColour: z.string().optional(),
    receivingTransitId: z.string().optional(),
    escort: z
      .object({ id: z.string(), name: z.string().optional(), phone: z.string().optional() })
      .strict()
      .describe('Name and phone are pseudonymised or deleted after the retention period'),
    personalData: z.enum(['kept', 'pseudonymised', 'deleted']),
    sealsBefore: z.array(z.string()),
    sealsBroken: z.array(z.string()).optional(),
    sealsAfter: z.array(z.string()).optional(),
    sealMismatch: z.boolean(),
    cargo: z.string(),
    state: z.enum(['opened', 'receiving-arrived', 'transferred', 'closed', 'aborted']),
    openedAt: z.number().int(),
    openedBy: z.string().optional(),
    dueAt: z.number().int(),
    overdue: z.boolean(),
    receivingArrivedAt: z.number().int().optional(),
    transferredAt: z.number().int().optional(),
    closedAt: z.number().int().optional(),
    abortedAt: z.number().int().optional(),
    abortReason: z.string().optional(),
    departedAt: z.number().int().optional().describe('The inbound truck left under escort'),
    updatedAt: z.number().int(),
  })
  .strict();
export type HandoverEntry = z.infer<typeof HandoverEntrySchema>;

export function handoverFromRow(r: HandoverRow): HandoverEntry {
  const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
  const list = (v: string | null) => (v === null ? undefined : (JSON.parse(v) as string[]));
  return {
    handoverId: r.handover_id,
    bay: r.bay,
    visitId: r.visit_id,
    inboundPlate: opt(r.inbound_plate),
    inboundTransitId: opt(r.inbound_transit_id),
    receivingPlate: r.receiving_plate,
    receivingPlateColour: opt(r.receiving_plate_colour),
    receivingTransitId: opt(r.receiving_transit_id),
    escort: { id: r.escort_id, name: opt(r.escort_name), phone: opt(r.escort_phone) },
    personalData: r.personal as HandoverEntry['personalData'],
    sealsBefore: list(r.seals_before) ?? [],
    sealsBroken: list(r.seals_broken),
    sealsAfter: list(r.seals_after),
    sealMismatch: r.seal_mismatch === 1,
    cargo: r.cargo,
    state: r.state as HandoverEntry['state'],
    openedAt: r.opened_at,
    openedBy: opt(r.opened_by),
    dueAt: r.due_at,
    overdue: r.overdue === 1,
    receivingArrivedAt: opt(r.receiving_arrived_at),
    transferredAt: opt(r.transferred_at),
    closedAt: opt(r.closed_at),
    abortedAt: opt(r.aborted_at),
    abortReason: opt(r.abort_reason),
    departedAt: opt(r.departed_at),
    updatedAt: r.updated_at,
  };
}
