import type { ErrorCode } from '../../core/errors.ts';
import { plateKey } from '../store/ledger.ts';
import type { BayDef, YardLayout } from './layout.ts';
import type { BaySnapshot, BayState, Block, TruckZoneKind, Visit } from './yard-payloads.ts';

export interface BayRecord {
  readonly def: BayDef;
  state: BayState;
  /** When the bay entered its state (0: free since the yard began). */
  since: number;
  visit: Visit | undefined;
  block: Block | undefined;
}

export interface Refusal {
  ok: false;
  code: ErrorCode;
  reason: string;
  message: string;
}

export function refuse(code: ErrorCode, reason: string, message: string): Refusal {
  return { ok: false, code, reason, message };
}

/**
 * The yard's state: every bay with its state, truck (visit) and block, the look-ups of the
 * trucks in the yard, and the fill-rows cursors. Changed only by the record plans
 * (record-plans.ts), live and on rebuild alike.
 */
export class YardState {
  readonly bays = new Map<string, BayRecord>();
  /** Where each truck in the yard is: visit id → bay. */
  private readonly visitBay = new Map<string, string>();
  /**
   * Trucks by plate (plateKey), then by the plate's colour ('' when not known): a vehicle is both.
   * Each key holds every truck in the yard that has it, in the order they came (two trucks can
   * share a plate, a driver's pass or a transit id): a look-up answers with the latest, and the
   * earlier stays findable once the latest has left.
   */
  private readonly plates = new Map<string, Map<string, string[]>>();
  private readonly subjects = new Map<string, string[]>();
  private readonly transits = new Map<string, string[]>();
  /** The bay reserved last in each zone kind (the fill-rows cursor), with its record's seq. */
  readonly cursors = new Map<TruckZoneKind, { bay: string; seq: number }>();

  constructor(readonly layout: YardLayout) {
    this.reset();
  }

  reset(): void {
    this.bays.clear();
    for (const def of this.layout.bays.values()) {
      this.bays.set(def.id, { def, state: 'free', since: 0, visit: undefined, block: undefined });
    }
    this.visitBay.clear();
    this.plates.clear();
    this.subjects.clear();
    this.transits.clear();
    this.cursors.clear();
  }

  bay(id: string): BayRecord | undefined {
    return this.bays.get(id);
  }

  /** The bay of a truck in the yard, by visit id. */
  bayOfVisit(visitId: string): string | undefined {
    return this.visitBay.get(visitId);
  }

  /**
   * The visit id of a truck in the yard, by lane transit, plate (and its colour: another colour
   * is another vehicle; a visit or a query without a colour matches any) or pass subject.
   */
  findVisit(q: {
    plate?: string | undefined;
    plateColour?: string | undefined;
    subject?: string | undefined;
    transitId?: string | undefined;
  }): string | undefined {
    if (q.transitId !== undefined) {
      const v = this.transits.get(q.transitId)?.at(-1);
      if (v) return v;
    }
    if (q.plate !== undefined) {
      const v = this.byPlate(q.plate, q.plateColour);
      if (v) return v;
    }
    return q.subject === undefined ? undefined : this.subjects.get(q.subject)?.at(-1);
  }

  private byPlate(plate: string, colour: string | undefined): string | undefined {
    const colours = this.plates.get(plateKey(plate));
    if (!colours) return undefined;
    if (colour !== undefined) return (colours.get(colour) ?? colours.get(''))?.at(-1);
    return (colours.get('') ?? colours.values().next().value)?.at(-1);
  }

  /** Trucks in the yard (reserved included). */
  get trucks(): number {
    return this.visitBay.size;
  }

  /**
   * Entries in each look-up: none may outlive its truck's stay (the soak samples the heap for
   * months; test/yard/yard-state-lookups.test.ts empties a yard and checks they are all 0).
   */
  lookupSizes(): { visits: number; plates: number; subjects: number; transits: number } {
    return {
      visits: this.visitBay.size,
      plates: this.plates.size,
      subjects: this.subjects.size,
      transits: this.transits.size,
    };
  }

  /** Puts a truck's visit in a bay and keeps the look-ups. */
  place(b: BayRecord, v: Visit): void {
    b.visit = v;
    this.visitBay.set(v.id, b.def.id);
    if (v.plate !== undefined) {
      const key = plateKey(v.plate);
      const colours = this.plates.get(key) ?? this.plates.set(key, new Map()).get(key);
      if (colours) addTo(colours, v.plateColour ?? '', v.id);
    }
    if (v.subject !== undefined) addTo(this.subjects, v.subject, v.id);
    if (v.transitId !== undefined) addTo(this.transits, v.transitId, v.id);
  }

  /** The truck leaves the yard. */
  remove(b: BayRecord): void {
    const v = b.visit;
    b.visit = undefined;
    if (!v) return;
    this.visitBay.delete(v.id);
    const plate = v.plate === undefined ? undefined : plateKey(v.plate);
    const colours = plate === undefined ? undefined : this.plates.get(plate);
    if (plate !== undefined && colours) {
      takeFrom(colours, v.plateColour ?? '', v.id);
      if (colours.size === 0) this.plates.delete(plate);
    }
    if (v.subject !== undefined) takeFrom(this.subjects, v.subject, v.id);
    if (v.transitId !== undefined) takeFrom(this.transits, v.transitId, v.id);
  }

  /** Sets a bay's state; `since` moves only when the state changes. */
  enter(b: BayRecord, state: BayState, at: number): void {
    if (b.state !== state) b.since = at;
    b.state = state;
  }

  // ---- snapshots ---------------------------------------------------------------------------

  /** Every bay's stored state (free bays too: their `since` counts). */
  snapshotBays(): BaySnapshot[] {
    return [...this.bays.values()].map((b) => ({
      bay: b.def.id,
      state: b.state,
      since: b.since,
      ...(b.visit ? { visit: structuredClone(b.visit) } : {}),
      ...(b.block ? { block: { ...b.block } } : {}),
    }));
  }

  /** Replaces the state with a snapshot's. Bays no longer in the layout are returned, not loaded. */
  loadSnapshot(bays: readonly BaySnapshot[], cursors: Record<string, string>, seq: number): string[] {
    this.reset();
    const dropped: string[] = [];
    for (const s of bays) {
      const b = this.bays.get(s.bay);
      if (!b) {
        if (s.visit || s.state !== 'free') dropped.push(s.bay);
        continue;
      }
      b.state = s.state;
      b.since = s.since;
      b.block = s.block ? { ...s.block } : undefined;
      if (s.visit) this.place(b, structuredClone(s.visit));
    }
    for (const [kind, bay] of Object.entries(cursors)) {
      if (this.bays.has(bay)) this.cursors.set(kind as TruckZoneKind, { bay, seq });
    }
    return dropped;
  }

  cursorsRecord(): Record<string, string> {
    return Object.fromEntries([...this.cursors].map(([k, c]) => [k, c.bay]));
  }
}

/** Adds a truck to a look-up's key (after the trucks already there). */
function addTo(index: Map<string, string[]>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) index.set(key, [id]);
  else if (!ids.includes(id)) ids.push(id);
}

/** Takes a truck from a look-up's key; the key goes with its last truck. */
function takeFrom(index: Map<string, string[]>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  const at = ids.indexOf(id);
  if (at >= 0) ids.splice(at, 1);
  if (ids.length === 0) index.delete(key);
}
