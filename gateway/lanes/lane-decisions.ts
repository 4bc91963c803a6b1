import { type Decision, outcomeOf, sortReasons, worse } from './decision.ts';
import { type DecisionRules, decide } from './decision-rules.ts';
import type { BayReservations, YardExits } from './lane-ports.ts';
import type { LaneRecordData } from './lane-records.ts';
import type { Transit } from './transit.ts';

export interface Placed extends Decision {
  bay: string | undefined;
  /** Set when no bay could be had: the alarm to raise. */
  alarm?: string;
}

/**
 * YARD needs a parking bay and ISOLATE an isolation bay. When the yard has none (a full zone, or
 * the yard cannot take the truck) the decision gains a REVIEW reason and an alarm, never a
 * double booking.
 */
export async function reserveBay(
  yard: BayReservations,
  t: Transit,
  d: Decision,
  lane: string,
): Promise<Placed> {
  if (d.outcome !== 'YARD' && d.outcome !== 'ISOLATE') return { ...d, bay: undefined };
  const zoneKind = d.outcome === 'YARD' ? 'parking' : 'isolation';
  const res = await yard.reserve({
    zoneKind,
    lane,
    transitId: t.id,
    reason: d.reasons[0]?.code ?? d.outcome,
    ...(t.plate ? { plate: t.plate } : {}),
    ...(t.pass?.subject ? { subject: t.pass.subject } : {}),
  });
  if (res.ok) return { ...d, bay: res.bay };
  const full = res.reason === 'zone-full';
  const detail = full ? `no free ${zoneKind} bay` : `no ${zoneKind} bay: ${res.message ?? res.reason}`;
  return {
    outcome: worse(d.outcome, 'REVIEW'),
    reasons: sortReasons([
      ...d.reasons,
      { code: full ? 'yard-full' : 'yard-unavailable', outcome: 'REVIEW', detail },
    ]),
    bay: undefined,
    alarm: `no free ${zoneKind} bay for this truck (${res.reason})`,
  };
}

/**
 * At the yard exit only a truck the yard has cleared may leave; its bay is freed. The truck is
 * looked up by its pass (plate, subject) or, for an unverified code, by the code as a plate.
 */
export async function exitDecision(
  exits: YardExits | undefined,
  t: Transit,
  lane: string,
  lastCode: string | undefined,
): Promise<Decision> {
  const plate = t.plate ?? (t.verdict?.kind === 'unverified' ? lastCode : undefined);
  const subject = t.pass?.subject;
  if (!exits || (!plate && !subject)) {
    return {
      outcome: 'REVIEW',
      reasons: [{ code: 'yard-not-cleared', outcome: 'REVIEW', detail: 'no plate or pass to look up' }],
    };
  }
  const r = await exits.exit({
    lane,
    transitId: t.id,
    ...(plate ? { plate } : {}),
    ...(subject ? { subject } : {}),
  });
  if (r.allowed) {
    return {
      outcome: 'PASS',
      reasons: [{ code: 'yard-cleared', outcome: 'PASS', detail: `cleared to leave; bay ${r.bay} freed` }],
    };
  }
  return { outcome: 'REVIEW', reasons: [{ code: 'yard-not-cleared', outcome: 'REVIEW', detail: r.message }] };
}

/** The site's rules applied to what the transit gathered; a replayed pass adds a REVIEW reason. */
export function rulesDecision(
  t: Transit,
  rules: DecisionRules,
  now: number,
  hasThermometer: boolean,
): Decision {
  const d = decide(
    {
      now,
      ...(t.verdict ? { verdict: t.verdict } : {}),
      ...(t.manual ? { manual: true } : {}),
      ...(t.temperatureC === undefined ? {} : { temperatureC: t.temperatureC }),
      noThermometer: !hasThermometer,
    },
    rules,
  );
  if (!t.replayed) return d;
  const reasons = sortReasons([
    ...d.reasons,
    { code: 'pass-replayed', outcome: 'REVIEW', detail: 'the pass was shown again' },
  ]);
  return { outcome: outcomeOf(reasons), reasons };
}

/** The decision record of a transit: what was decided, by whom, and on what facts. */
export function decisionRecord(
  lane: string,
  t: Transit,
  d: Decision & { bay: string | undefined },
  by: 'rules' | 'staff',
  staffId?: string,
): LaneRecordData<'decision'> {
  return {
    lane,
    transitId: t.id,
    outcome: d.outcome,
    reasons: d.reasons,
    by,
    ...(staffId ? { staffId } : {}),
    ...(t.plate ? { plate: t.plate } : {}),
    ...(t.temperatureC === undefined ? {} : { temperatureC: t.temperatureC }),
    ...(t.pass ? { pass: t.pass } : {}),
    ...(t.manual ? { manual: t.manual } : {}),
    ...(d.bay ? { bay: d.bay } : {}),
  };
}
