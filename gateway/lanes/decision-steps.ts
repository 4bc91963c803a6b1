import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import {
  type Decision,
  type DecisionReason,
  type Outcome,
  outcomeOf,
  sortReasons,
  worse,
} from './decision-schema.ts';
import type { BayReservations, ExitResult, HandoverReceiving, YardCommit, YardExits } from './lane-ports.ts';
import type { CrewPerson, DecisionRecord, LaneRecordData } from './lane-records.ts';
import type { Transit } from './transit.ts';

/**
 * How long a lane waits for the yard (a reservation, an exit check) before deciding without it.
 * The lane handles its events one at a time: a yard that hangs must not hold up the loop, the
 * barrier or a staff member opening the barrier by hand.
 */
export const YARD_TIMEOUT_MS = 5_000;

/** The outcomes that need a yard bay. */
export function needsBay(outcome: Outcome): boolean {
  return outcome === 'YARD' || outcome === 'ISOLATE';
}

/**
 * A call to the yard that never throws and never hangs: its value, or why there is none. The
 * signal aborts when the lane stops waiting, so that the yard can leave undone what nobody will
 * act on.
 */
async function askYard<T>(
  call: (signal: AbortSignal) => Promise<T>,
  clock: Clock,
  ms: number,
): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const gaveUp = new AbortController();
  const timeout = new Promise<{ ok: false; error: string }>((resolve) => {
    timer = clock.setTimeout(() => {
      gaveUp.abort();
      resolve({ ok: false, error: `no answer within ${ms} ms` });
    }, ms);
  });
  try {
    return await Promise.race([
      call(gaveUp.signal).then(
        (value) => ({ ok: true as const, value }),
        (e: unknown) => ({ ok: false as const, error: errorMessage(e) }),
      ),
      timeout,
    ]);
  } finally {
    clock.clearTimeout(timer);
  }
}

export interface Placed extends Decision {
  bay: string | undefined;
  /** Set when no bay could be had: the alarm to raise. */
  alarm?: string;
  /**
   * The yard record the decision depends on (a held bay's reservation, a truck's exit), still
   * to be committed with it.
   */
  committed?: YardCommit;
}

/**
 * The decision after all when a held bay's reservation was not stored (the store failed between
 * the two records): no bay, REVIEW at least, and an alarm. The decision naming the bay was
 * committed; this one follows it.
 */
export function unreserved(d: Decision, why: string | undefined): Placed {
  const detail = `the bay's reservation was not stored: ${why ?? 'store failed'}`;
  return {
    outcome: worse(d.outcome, 'REVIEW'),
    reasons: sortReasons([...d.reasons, { code: 'yard-unavailable', outcome: 'REVIEW', detail }]),
    bay: undefined,
    alarm: `no bay for this truck: ${detail}`,
  };
}

/**
 * The decision after all when the truck's exit was not stored (the store failed between the two
 * records): REVIEW, the truck still in the yard's books. The PASS was committed; this follows it.
 */
export function exitNotStored(d: Decision, why: string | undefined): Placed {
  const detail = `the truck's exit was not stored: ${why ?? 'store failed'}`;
  return {
    outcome: worse(d.outcome, 'REVIEW'),
    reasons: sortReasons([...d.reasons, { code: 'yard-not-cleared', outcome: 'REVIEW', detail }]),
    bay: undefined,
  };
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
  clock: Clock,
  timeoutMs = YARD_TIMEOUT_MS,
): Promise<Placed> {
  if (!needsBay(d.outcome)) return { ...d, bay: undefined };
  const zoneKind = d.outcome === 'YARD' ? 'parking' : 'isolation';
  const asked = await askYard(
    () =>
      yard.reserve({
        zoneKind,
        lane,
        transitId: t.id,
        reason: d.reasons[0]?.code ?? d.outcome,
        ...(t.plate ? { plate: t.plate } : {}),
        ...(t.plateColour ? { plateColour: t.plateColour } : {}),
        ...(t.pass?.subject ? { subject: t.pass.subject } : {}),
      }),
    clock,
    timeoutMs,
  );
  // A yard that fails or hangs is a yard without a bay for this truck (a later retry of the same
  // transit gets the bay if the reservation went through after all).
  const res = asked.ok ? asked.value : { ok: false as const, reason: 'unavailable', message: asked.error };
  if (res.ok) return { ...d, bay: res.bay, ...(res.committed ? { committed: res.committed } : {}) };
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
 * looked up by its plate (registered, read by the plate camera, or on its pass) and its pass's
 * subject (only when the pass's signature held; an expired pass still counts), or, for an
 * unverified code, by the code as a plate.
 */
export async function exitDecision(
  exits: YardExits | undefined,
  t: Transit,
  lane: string,
  clock: Clock,
  timeoutMs = YARD_TIMEOUT_MS,
): Promise<Decision & { committed?: YardCommit }> {
  if (t.verdict?.reasons.includes('card-revoked')) {
    const detail = 'the card is revoked (lost or withdrawn): a coordinator checks the truck';
    return { outcome: 'REVIEW', reasons: [{ code: 'pass-invalid', outcome: 'REVIEW', detail }] };
  }
  const plate = t.plate ?? (t.verdict?.kind === 'unverified' ? t.unverifiedCode : undefined);
  // A subject opens the exit only from a pass whose signature held: a code made up with a copied
  // subject (a GP1 `sub`, an EU DCC's certificate identifier) must not let another truck out.
  const subject = t.pass?.steps.signature === true ? t.pass.subject : undefined;
  if (!exits || (!plate && !subject)) {
    return {
      outcome: 'REVIEW',
      reasons: [{ code: 'yard-not-cleared', outcome: 'REVIEW', detail: 'no plate or pass to look up' }],
    };
  }
  const asked = await askYard(
    (signal) =>
      exits.exit(
        {
          lane,
          transitId: t.id,
          ...(plate ? { plate } : {}),
          ...(subject ? { subject } : {}),
        },
        signal,
      ),
    clock,
    timeoutMs,
  );
  if (!asked.ok) {
    const detail = `the yard did not answer: ${asked.error}`;
    return { outcome: 'REVIEW', reasons: [{ code: 'yard-not-cleared', outcome: 'REVIEW', detail }] };
  }
  const r = asked.value;
  if (r.allowed) {
    return {
      outcome: 'PASS',
      reasons: [{ code: 'yard-cleared', outcome: 'PASS', detail: exitDetail(r) }],
      ...(r.committed ? { committed: r.committed } : {}),
    };
  }
  return { outcome: 'REVIEW', reasons: [{ code: 'yard-not-cleared', outcome: 'REVIEW', detail: r.message }] };
}

/**
 * Why a truck may leave the yard: cleared by a test, or under escort after a closed hand-over,
 * named by the escort's staff ID (the name is personal data; the yard's truck-exited record and
 * the hand-over ledger hold it).
 */
function exitDetail(r: Extract<ExitResult, { allowed: true }>): string {
  if (!r.escort) return `cleared to leave; bay ${r.bay} freed`;
  return `leaves under escort ${r.escort.id} after hand-over ${r.handoverId ?? ''}; bay ${r.bay} freed`;
}

/**
 * A truck let through at an entry lane that an open hand-over waits for as its receiving truck is
 * sent to the hand-over's bay: the decision names the bay (the kiosk says where to drive) and
 * says why. The outcome stays the rules' own: a receiving truck passes the same checks as any.
 */
export function toReceivingBay(handovers: HandoverReceiving | undefined, t: Transit, d: Placed): Placed {
  if (!handovers || !t.plate || d.outcome !== 'PASS' || d.bay) return d;
  const found = handovers.receivingBay(t.plate);
  if (!found) return d;
  const detail = `receiving truck of hand-over ${found.handoverId}: to bay ${found.bay}`;
  return {
    ...d,
    bay: found.bay,
    reasons: sortReasons([...d.reasons, { code: 'handover-receiving', outcome: 'PASS', detail }]),
  };
}

/** The decision record of a transit: what was decided, by whom, and on what facts. */
export function decisionRecord(
  lane: string,
  t: Transit,
  d: Decision & { bay: string | undefined },
  by: 'rules' | 'staff',
  staffId?: string,
): LaneRecordData<'decision'> {
  const registered = t.crew.members.find((m) => m.manual)?.manual;
  return {
    lane,
    transitId: t.id,
    outcome: d.outcome,
    reasons: d.reasons,
    by,
    ...(staffId ? { staffId } : {}),
    ...(t.lastInput ? { trigger: t.lastInput.kind } : {}),
    ...(t.plate ? { plate: t.plate } : {}),
    ...(t.plateColour ? { plateColour: t.plateColour } : {}),
    ...(t.vehicle?.trailerPlate ? { trailerPlate: t.vehicle.trailerPlate } : {}),
    ...(t.temperatureC === undefined ? {} : { temperatureC: t.temperatureC }),
    ...(t.pass ? { pass: t.pass } : {}),
    ...(registered ? { manual: registered } : {}),
    ...(t.crew.size > 0 ? { persons: crewPersons(t) } : {}),
    ...(d.bay ? { bay: d.bay } : {}),
    ...(t.sighting ? { sighting: t.sighting } : {}),
    ...(t.preRegistration && d.reasons.some((r) => r.code === 'pre-registered')
      ? { preRegistration: t.preRegistration }
      : {}),
  };
}

/** Each person of a decision record: their facts and their own outcome by the rules. */
function crewPersons(t: Transit): CrewPerson[] {
  return t.crew.members.map((m) => {
    const own = t.personDecisions.get(m.seat);
    return {
      seat: m.seat,
      role: m.role,
      outcome: own?.outcome ?? 'REVIEW',
      reasons: own?.reasons ?? [],
      ...(m.temperatureC === undefined ? {} : { temperatureC: m.temperatureC }),
      ...(m.pass ? { pass: m.pass } : {}),
      ...(m.manual ? { manual: m.manual } : {}),
    };
  });
}

/**
 * What reasons found after a decision add to it: the decision again, worse, with every reason
 * kept (the earlier ones and the new ones), or undefined when they change nothing. A decision
 * is never relaxed by a late input: only staff do that.
 */
export function escalation(prev: DecisionRecord, news: readonly DecisionReason[]): Decision | undefined {
  const outcome = worse(prev.outcome, outcomeOf(news));
  if (outcome === prev.outcome) return undefined;
  return { outcome, reasons: sortReasons([...prev.reasons, ...news]) };
}
