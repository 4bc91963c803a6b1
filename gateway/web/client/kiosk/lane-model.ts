import type { PlateColour } from '../../../../core/plate-colour.ts';
import type { Outcome } from '../../../lanes/decision-schema.ts';
import type { DecisionRecord, LaneState, PassSummary } from '../../../lanes/lane-records.ts';
import type { DeviceHealth } from '../../../mqtt/gateway-payloads.ts';

/**
 * What the kiosk knows of its lane, from the retained lane state and the lane's records: the
 * truck now on the lane (the state's transit, completed with its decision record: plate, who
 * decided), the last transits, each device's health, the last staff action. Pure data; the
 * views read it after each change.
 */
export interface CurrentTruck {
  transitId: string;
  startedAt: number;
  plate: string | undefined;
  plateColour: PlateColour | undefined;
  trailerPlate: string | undefined;
  pass: PassSummary | undefined;
  manual: boolean;
  tailgate: boolean;
  /** Each person in the cab (the state's crew), seat order. */
  persons: NonNullable<NonNullable<LaneState['transit']>['persons']>;
  temperatureC: number | undefined;
  decision:
    | {
        outcome: Outcome;
        reasons: DecisionRecord['reasons'];
        bay: string | undefined;
        by: 'rules' | 'staff' | undefined;
        staffId: string | undefined;
      }
    | undefined;
}

export interface RecentTransit {
  transitId: string;
  at: number;
  plate: string | undefined;
  outcome: Outcome | undefined;
  bay: string | undefined;
  by: 'rules' | 'staff' | undefined;
  staffId: string | undefined;
  temperatureC: number | undefined;
  end: 'cleared' | 'abandoned' | 'interrupted' | 'unauthorized' | undefined;
}

export interface StaffActionView {
  action: string;
  staffId: string;
  ok: boolean;
  detail: string;
  at: number;
}

const MAX_RECENT = 6;
const MAX_DECISIONS = 32;

export class LaneModel {
  state: LaneState | undefined;
  readonly health = new Map<string, DeviceHealth>();
  readonly recent: RecentTransit[] = [];
  lastAction: StaffActionView | undefined;
  private readonly decisions = new Map<string, DecisionRecord>();
  /** The plate staff typed in the last registration at this kiosk, until a record names one. */
  private registered: { plate: string; transitId: string | undefined } | undefined;

  /** A registration at this kiosk was accepted: its plate shows for the hand-registered truck. */
  noteRegistered(plate: string): void {
    this.registered = { plate, transitId: this.state?.transit?.transitId };
  }

  applyState(s: LaneState): void {
    this.state = s;
    const t = s.transit;
    // A registration with no truck on the lane began a transit: the typed plate is that one's.
    if (this.registered && this.registered.transitId === undefined && t?.manual)
      this.registered.transitId = t.transitId;
    if (t?.decision)
      this.touchRecent(t.transitId, t.startedAt, { outcome: t.decision.outcome, bay: t.decision.bay });
  }

  applyDecision(d: DecisionRecord, at: number): void {
    this.decisions.set(d.transitId, d);
    if (this.decisions.size > MAX_DECISIONS) {
      const first = this.decisions.keys().next().value;
      if (first !== undefined) this.decisions.delete(first);
    }
    this.touchRecent(d.transitId, at, {
      outcome: d.outcome,
      bay: d.bay,
      plate: d.plate ?? d.pass?.plate ?? d.manual?.plate,
      by: d.by,
      staffId: d.staffId,
      temperatureC: d.temperatureC,
    });
  }

  applyTransitEnd(e: { transitId: string; end: RecentTransit['end'] }, at: number): void {
    this.touchRecent(e.transitId, at, { end: e.end });
  }

  applyHealth(h: DeviceHealth): void {
    this.health.set(h.device, h);
  }

  applyStaffAction(a: { action: string; staffId: string; ok: boolean; detail: string }, at: number): void {
    this.lastAction = { ...a, at };
  }

  /** The truck on the lane now, if any. */
  current(): CurrentTruck | undefined {
    const t = this.state?.transit;
    if (!t) return undefined;
    const rec = this.decisions.get(t.transitId);
    const recMatches = rec && t.decision && rec.outcome === t.decision.outcome;
    return {
      transitId: t.transitId,
      startedAt: t.startedAt,
      plate:
        t.plate ??
        t.pass?.plate ??
        rec?.plate ??
        rec?.manual?.plate ??
        this.typedPlate(t.transitId, t.manual),
      plateColour: t.plateColour ?? rec?.plateColour,
      trailerPlate: t.trailerPlate ?? rec?.trailerPlate,
      persons: t.persons ?? [],
      pass: t.pass,
      manual: t.manual,
      tailgate: t.tailgate,
      temperatureC: t.temperatureC,
      decision: t.decision
        ? {
            outcome: t.decision.outcome,
            reasons: t.decision.reasons,
            bay: t.decision.bay,
            by: recMatches ? rec.by : undefined,
            staffId: recMatches ? rec.staffId : undefined,
          }
        : undefined,
    };
  }

  private typedPlate(transitId: string, manual: boolean): string | undefined {
    const r = this.registered;
    if (!r || !manual) return undefined;
    return r.transitId === undefined || r.transitId === transitId ? r.plate : undefined;
  }

  /** Device health: the retained health topics, else the lane state's summary. */
  deviceState(device: string): DeviceHealth['state'] | undefined {
    return this.health.get(device)?.state ?? this.state?.devices[device];
  }

  private touchRecent(transitId: string, at: number, patch: Partial<RecentTransit>): void {
    let r = this.recent.find((x) => x.transitId === transitId);
    if (!r) {
      r = {
        transitId,
        at,
        plate: undefined,
        outcome: undefined,
        bay: undefined,
        by: undefined,
        staffId: undefined,
        temperatureC: undefined,
        end: undefined,
      };
      this.recent.unshift(r);
      this.recent.sort((a, b) => b.at - a.at);
      this.recent.length = Math.min(this.recent.length, MAX_RECENT);
    }
    for (const [k, v] of Object.entries(patch))
      if (v !== undefined) (r as unknown as Record<string, unknown>)[k] = v;
  }
}
