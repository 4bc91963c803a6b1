import type { Database, Statement } from 'better-sqlite3';
import { ErrorCode } from '../../core/errors.ts';
import type { PlateColour } from '../../core/plate-colour.ts';
import type { BayView } from '../yard/yard-payloads.ts';

/** The truck a card is issued for, and how long it may be valid at most. */
export interface CardTruck {
  plate: string;
  plateColour?: PlateColour;
  /** The person by reference: the pass holder's pseudonymous id, else the ledger entry's. */
  subject: string;
  color: 'green' | 'yellow' | 'red';
  lane?: string;
  transitId?: string;
  bay?: string;
  visitId?: string;
}

export type CardTruckLookup =
  | { ok: true; truck: CardTruck }
  | { ok: false; code: number; reason: string; message: string };

/** What the cards need of the yard: a bay's view (Yard.view). */
export interface BayViews {
  view(bay: string): BayView | undefined;
}

interface LedgerRow {
  entry_id: string;
  transit_id: string | null;
  visit_id: string | null;
  lane: string | null;
  plate: string | null;
  plate_colour: string | null;
  driver_subject: string | null;
  decision: string | null;
  bay: string | null;
  departed_at: number | null;
}

const COLUMNS =
  'entry_id, transit_id, visit_id, lane, plate, plate_colour, driver_subject, decision, bay, departed_at';

/**
 * Finds the truck a card is for, from the ledger (one entry per truck, projected from the lane
 * and yard records as they commit: gateway/store/ledger.ts) and the yard's bay views: at a lane
 * its latest transit, at a bay the visit in it. The card's colour is the truck's state now: a
 * truck let through, or cleared in the yard, is green; one sent to the yard yellow; isolated red.
 */
export class CardTrucks {
  private readonly latestOfLane: Statement;
  private readonly ofVisit: Statement;

  constructor(
    db: Database,
    private readonly yard: BayViews | undefined,
  ) {
    this.latestOfLane = db.prepare(
      `SELECT ${COLUMNS} FROM ledger WHERE lane = ? ORDER BY arrived_at DESC LIMIT 1`,
    );
    this.ofVisit = db.prepare(`SELECT ${COLUMNS} FROM ledger WHERE visit_id = ? LIMIT 1`);
  }

  /** The lane's current or last transit, once decided (a truck under REVIEW gets no card yet). */
  ofLane(lane: string): CardTruckLookup {
    const row = this.latestOfLane.get(lane) as LedgerRow | undefined;
    if (!row) return nothing('no-transit', `no truck has come through lane ${lane}`);
    if (!row.plate) return nothing('no-plate', 'the truck has no plate on record: register it first');
    const d = row.decision;
    if (d !== 'PASS' && d !== 'YARD' && d !== 'ISOLATE')
      return nothing('not-decided', 'the truck is not decided yet (PASS, YARD or ISOLATE)');
    const view = row.bay && row.departed_at === null ? this.yard?.view(row.bay) : undefined;
    const inBay = view?.truck && view.truck.visitId === row.visit_id ? view : undefined;
    const color = inBay ? colorOfBay(inBay) : d === 'PASS' ? 'green' : d === 'ISOLATE' ? 'red' : 'yellow';
    return { ok: true, truck: { ...truckOf({ ...row, plate: row.plate }, color), lane, ...bayOf(inBay) } };
  }

  /** The visit in the bay. */
  ofBay(bay: string): CardTruckLookup {
    const view = this.yard?.view(bay);
    if (!view)
      return { ok: false, code: ErrorCode.NotFound, reason: 'unknown-bay', message: `no bay ${bay}` };
    const truck = view.truck;
    if (!truck) return nothing('no-visit', `no truck in bay ${bay}`);
    const row = this.ofVisit.get(truck.visitId) as LedgerRow | undefined;
    const plate = row?.plate ?? truck.plate;
    if (!plate) return nothing('no-plate', 'the truck has no plate on record');
    const base = row
      ? truckOf({ ...row, plate }, colorOfBay(view))
      : { plate, subject: `visit:${truck.visitId}`, color: colorOfBay(view), visitId: truck.visitId };
    return { ok: true, truck: { ...base, ...bayOf(view) } };
  }
}

function nothing(reason: string, message: string): CardTruckLookup {
  return { ok: false, code: ErrorCode.CardNothingToIssue, reason, message };
}

function truckOf(row: LedgerRow & { plate: string }, color: CardTruck['color']): CardTruck {
  return {
    plate: row.plate,
    ...(row.plate_colour ? { plateColour: row.plate_colour as PlateColour } : {}),
    subject: row.driver_subject ?? `ledger:${row.entry_id}`,
    color,
    ...(row.transit_id ? { transitId: row.transit_id } : {}),
    ...(row.visit_id ? { visitId: row.visit_id } : {}),
  };
}

/**
 * The bay and visit a card names. A reservation's expiry does not bound the card: a card issued
 * at the kiosk as the truck is sent to the yard must outlive its stay there (hours, a PCR result
 * later); if the reservation lapses the visit ends and the card finds no truck at the exit.
 */
function bayOf(view: BayView | undefined): Pick<CardTruck, 'bay' | 'visitId'> {
  if (!view?.truck) return {};
  return { bay: view.bay, visitId: view.truck.visitId };
}

/** Cleared in the yard: green; isolated: red; else (waiting, sampled): yellow. */
function colorOfBay(view: BayView): CardTruck['color'] {
  if (view.truck?.isolated || view.state === 'isolation') return 'red';
  return view.state === 'cleared' ? 'green' : 'yellow';
}
