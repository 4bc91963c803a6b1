import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { BayEvent, SensorHealthEvent } from '../../devices/events.ts';
import { TRUCK_PRESENT } from './bay-state.ts';
import type { BayState, SensorView } from './yard-payloads.ts';

export type MismatchKind = NonNullable<SensorView['mismatch']>;

/**
 * What the records say a bay's sensor should see, and whether a reading disagrees: a truck in
 * a bay the records call free (or blocked), or an empty bay the records say holds a truck. A
 * reserved bay may be either (the truck is on its way); a truck seen there is its arrival.
 */
export function mismatchOf(state: BayState, occupied: boolean): MismatchKind | undefined {
  if (state === 'reserved') return undefined;
  const expectTruck = TRUCK_PRESENT.has(state);
  if (occupied && !expectTruck) return 'truck-in-empty-bay';
  if (!occupied && expectTruck) return 'bay-empty';
  return undefined;
}

export interface SensorBoardEvents {
  /** A reserved bay's sensor sees a truck: it has arrived. */
  arrival(bay: string): void;
  /** A disagreement lasted the grace time. */
  mismatch(bay: string, kind: MismatchKind): void;
  /** A reported disagreement is over (the records or the sensor changed). */
  resolved(bay: string, kind: MismatchKind): void;
  /** What the bay's sensor view shows changed. */
  changed(bay: string): void;
}

interface Cell {
  online: boolean | undefined;
  occupied: boolean | undefined;
  reported: MismatchKind | undefined;
  pending: { kind: MismatchKind; timer: TimerHandle } | undefined;
}

/**
 * The live picture of the bay sensors, reconciled with the records. Sensor readings are not
 * records: after a restart the drivers report every bay again. A disagreement must last
 * `graceMs` before it is reported (a truck driving out of a cleared bay toward the exit is
 * not an alarm), and is reported once until it is resolved.
 */
export class SensorBoard {
  private readonly cells = new Map<string, Cell>();

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
    private readonly on: SensorBoardEvents,
  ) {}

  reading(e: BayEvent, state: BayState): void {
    const c = this.cell(e.bayId);
    const changed = c.occupied !== e.occupied || c.online !== true;
    c.occupied = e.occupied;
    c.online = true; // a reading is proof of life
    if (changed) this.on.changed(e.bayId);
    this.recheck(e.bayId, state);
  }

  health(e: SensorHealthEvent, state: BayState): void {
    const c = this.cell(e.bayId);
    const online = e.state === 'online';
    if (c.online === online) return;
    c.online = online;
    if (!online) {
      // Nothing is known of the bay now; its records still hold (datasheet section 5).
      c.occupied = undefined;
      this.cancel(c);
      c.reported = undefined;
    }
    this.on.changed(e.bayId);
    if (online) this.recheck(e.bayId, state);
  }

  /** Compares the bay's last reading with its state (after a reading, or after its records changed). */
  recheck(bay: string, state: BayState): void {
    const c = this.cells.get(bay);
    if (c?.online !== true || c.occupied === undefined) return;
    if (state === 'reserved' && c.occupied) {
      this.on.arrival(bay);
      return;
    }
    const kind = mismatchOf(state, c.occupied);
    if (kind === c.reported) {
      this.cancel(c);
      return;
    }
    if (c.reported) {
      const was = c.reported;
      c.reported = undefined;
      this.on.resolved(bay, was);
      this.on.changed(bay);
    }
    if (!kind) {
      this.cancel(c);
      return;
    }
    if (c.pending?.kind === kind) return;
    this.cancel(c);
    c.pending = {
      kind,
      timer: this.clock.setTimeout(() => {
        c.pending = undefined;
        c.reported = kind;
        this.on.mismatch(bay, kind);
        this.on.changed(bay);
      }, this.graceMs),
    };
  }

  view(bay: string, sensed: boolean): SensorView {
    if (!sensed) return { state: 'none' };
    const c = this.cells.get(bay);
    if (!c || c.online === undefined) return { state: 'unknown' };
    if (!c.online) return { state: 'offline' };
    return {
      state: 'online',
      ...(c.occupied === undefined ? {} : { occupied: c.occupied }),
      ...(c.reported ? { mismatch: c.reported } : {}),
    };
  }

  counts(): { offline: number; mismatches: number } {
    let offline = 0;
    let mismatches = 0;
    for (const c of this.cells.values()) {
      if (c.online === false) offline++;
      if (c.reported) mismatches++;
    }
    return { offline, mismatches };
  }

  stop(): void {
    for (const c of this.cells.values()) this.cancel(c);
  }

  private cell(bay: string): Cell {
    let c = this.cells.get(bay);
    if (!c) {
      c = { online: undefined, occupied: undefined, reported: undefined, pending: undefined };
      this.cells.set(bay, c);
    }
    return c;
  }

  private cancel(c: Cell): void {
    if (c.pending) this.clock.clearTimeout(c.pending.timer);
    c.pending = undefined;
  }
}
