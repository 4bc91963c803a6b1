import type { Clock, TimerHandle } from '../../core/clock.ts';
import { isOpen } from './handover/handover-machine.ts';
import type { SampleKind } from './yard-payloads.ts';
import type { BayRecord } from './yard-state.ts';

export interface YardTimings {
  /** A reservation lapses if the truck has not arrived by then. */
  reservationTimeoutMin: number;
  antigenResultMin: number;
  pcrResultMin: number;
  /** A hand-over not closed by then is overdue (optional: configs before hand-overs). */
  handoverOverdueMinutes?: number;
}

const MINUTE = 60_000;

/** When the result of a sample taken at `at` is due. */
export function resultDueAt(kind: SampleKind, at: number, t: YardTimings): number {
  return at + Math.round((kind === 'antigen' ? t.antigenResultMin : t.pcrResultMin) * MINUTE);
}

/** When a hand-over opened at `at` is overdue unless closed (default 2 h). */
export function handoverDueAt(at: number, t: YardTimings): number {
  return at + Math.round((t.handoverOverdueMinutes ?? 120) * MINUTE);
}

export function reservationExpiresAt(at: number, t: YardTimings): number {
  return at + Math.round(t.reservationTimeoutMin * MINUTE);
}

/** A deadline the yard acts on: a reservation that lapses, a result or a hand-over that becomes overdue. */
export type Deadline =
  | { kind: 'reservation'; bay: string; visitId: string; at: number }
  | { kind: 'result'; bay: string; visitId: string; sampleId: string; at: number }
  | { kind: 'handover'; bay: string; visitId: string; handoverId: string; at: number };

/** The deadlines a bay's stored state implies. Everything is in the state, so a restart re-arms them. */
function deadlinesOf(b: BayRecord): Deadline[] {
  const v = b.visit;
  if (!v) return [];
  const out: Deadline[] = [];
  if (b.state === 'reserved')
    out.push({ kind: 'reservation', bay: b.def.id, visitId: v.id, at: v.expiresAt });
  for (const s of v.samples) {
    if (!s.result && !s.overdue)
      out.push({ kind: 'result', bay: b.def.id, visitId: v.id, sampleId: s.id, at: s.dueAt });
  }
  const h = v.handover;
  if (h && isOpen(h) && !h.overdue)
    out.push({ kind: 'handover', bay: b.def.id, visitId: v.id, handoverId: h.id, at: h.dueAt });
  return out;
}

/**
 * The yard's timers on the injectable clock, one per deadline, keyed per bay so that a change
 * of a bay re-arms exactly its own. A deadline already past fires at once.
 */
export class Deadlines {
  private readonly byBay = new Map<string, TimerHandle[]>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (d: Deadline) => void,
  ) {}

  /** Replaces the timers of a bay with those of its current state. */
  sync(b: BayRecord): void {
    this.clear(b.def.id);
    const list = deadlinesOf(b);
    if (list.length === 0) return;
    const now = this.clock.now();
    this.byBay.set(
      b.def.id,
      list.map((d) => this.clock.setTimeout(() => this.fire(d), Math.max(0, d.at - now))),
    );
  }

  clear(bay: string): void {
    for (const h of this.byBay.get(bay) ?? []) this.clock.clearTimeout(h);
    this.byBay.delete(bay);
  }

  clearAll(): void {
    for (const bay of [...this.byBay.keys()]) this.clear(bay);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byBay.values()) n += l.length;
    return n;
  }
}
