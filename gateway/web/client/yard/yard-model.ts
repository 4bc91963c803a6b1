import { BAY_STATES, type BayState, type BayView, type YardSummary } from '../../../yard/yard-payloads.ts';
import type { SiteInfo } from '../shared/site-info.ts';

/**
 * The yard as the map knows it: every bay of the config (its state from its retained topic, or
 * unknown until that arrives), counts per zone and state kept as bays change, the latest
 * summary, and the filters (states, zone, plate search). Pure data.
 */
export type Counts = Record<BayState | 'unknown', number>;

export interface DueSample {
  bay: string;
  plate: string | undefined;
  kind: 'antigen' | 'pcr';
  dueAt: number;
  overdue: boolean;
}

export interface Filters {
  states: ReadonlySet<BayState>;
  zone: string | undefined;
  plate: string;
}

const zeroCounts = (): Counts => Object.fromEntries([...BAY_STATES, 'unknown'].map((s) => [s, 0])) as Counts;

export class YardModel {
  readonly zones: SiteInfo['zones'];
  readonly views = new Map<string, BayView>();
  readonly zoneOf = new Map<string, string>();
  readonly counts = new Map<string, Counts>();
  readonly total: Counts = zeroCounts();
  summary: YardSummary | undefined;
  filters: Filters = { states: new Set(), zone: undefined, plate: '' };
  /** Messages for bays the config does not have. */
  strangers = 0;

  constructor(info: SiteInfo) {
    this.zones = info.zones;
    for (const z of info.zones) {
      const c = zeroCounts();
      c.unknown = z.bays.length;
      this.total.unknown += z.bays.length;
      this.counts.set(z.id, c);
      for (const b of z.bays) this.zoneOf.set(b, z.id);
    }
  }

  /** Takes a bay's retained view; false if nothing the map shows changed. */
  apply(v: BayView): boolean {
    const zone = this.zoneOf.get(v.bay);
    if (zone === undefined) {
      this.strangers++;
      return false;
    }
    const prev = this.views.get(v.bay);
    this.views.set(v.bay, v);
    const from: BayState | 'unknown' = prev?.state ?? 'unknown';
    if (from !== v.state) {
      const c = this.counts.get(zone);
      if (c) {
        c[from]--;
        c[v.state]++;
      }
      this.total[from]--;
      this.total[v.state]++;
    }
    return true;
  }

  state(bay: string): BayState | undefined {
    return this.views.get(bay)?.state;
  }

  /** Whether a bay passes the filters (bays that do not are drawn dimmed). */
  matches(bay: string): boolean {
    const f = this.filters;
    if (f.zone !== undefined && this.zoneOf.get(bay) !== f.zone) return false;
    const v = this.views.get(bay);
    if (f.states.size > 0 && (!v || !f.states.has(v.state))) return false;
    if (f.plate) {
      const plate = v?.truck?.plate;
      if (!plate || !normalisePlate(plate).includes(normalisePlate(f.plate))) return false;
    }
    return true;
  }

  get filtering(): boolean {
    return this.filters.states.size > 0 || this.filters.zone !== undefined || this.filters.plate !== '';
  }

  /** Bays holding a truck whose plate contains the search text. */
  search(text: string, limit = 20): string[] {
    const q = normalisePlate(text);
    if (!q) return [];
    const out: string[] = [];
    for (const [bay, v] of this.views) {
      if (v.truck?.plate && normalisePlate(v.truck.plate).includes(q)) out.push(bay);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Samples waiting for a result, the soonest due (or longest overdue) first. */
  due(now: number): DueSample[] {
    const out: DueSample[] = [];
    for (const v of this.views.values()) {
      for (const s of v.truck?.samples ?? []) {
        if (s.result) continue;
        out.push({
          bay: v.bay,
          plate: v.truck?.plate,
          kind: s.kind,
          dueAt: s.dueAt,
          overdue: s.overdue || s.dueAt <= now,
        });
      }
    }
    return out.sort((a, b) => a.dueAt - b.dueAt);
  }

  /** Trucks in the yard the longest (arrived), longest first. */
  longestDwell(limit: number): { bay: string; plate: string | undefined; arrivedAt: number }[] {
    const out: { bay: string; plate: string | undefined; arrivedAt: number }[] = [];
    for (const v of this.views.values()) {
      if (v.truck?.arrivedAt !== undefined)
        out.push({ bay: v.bay, plate: v.truck.plate, arrivedAt: v.truck.arrivedAt });
    }
    return out.sort((a, b) => a.arrivedAt - b.arrivedAt).slice(0, limit);
  }
}

export function normalisePlate(p: string): string {
  return p.replace(/[\s·.-]/g, '').toUpperCase();
}
