import type { CrewMember } from './crew.ts';
import { type DecisionInput, type DecisionRules, decide } from './decision-rules.ts';
import { type Decision, type DecisionReason, outcomeOf, sortReasons, worse } from './decision-schema.ts';
import type { Transit } from './transit.ts';

/**
 * A transit's decision over its crew: the site's rules (decision-rules.ts `decide`) applied to
 * each person alone, and the transit's outcome the worst of theirs. A transit nobody joined (a
 * vehicle on the loop, no pass, no reading) is decided as one person with nothing.
 */
export interface CrewDecision extends Decision {
  /** Each person's own decision, by seat. */
  persons: Map<number, Decision>;
}

/** What the rules are told of the vehicle a person is in: its plate camera read, its announcement. */
export type VehicleFacts = Pick<DecisionInput, 'sightedPlate' | 'preRegistration'>;

/** The vehicle facts of a transit. */
export function vehicleFacts(t: Transit): VehicleFacts {
  return {
    ...(t.sighting ? { sightedPlate: t.sighting.plate } : {}),
    ...(t.preRegistration ? { preRegistration: t.preRegistration } : {}),
  };
}

/** What the rules are told of one person; `destinations`: those the lane serves (routes). */
export function personInput(
  m: CrewMember | undefined,
  now: number,
  hasThermometer: boolean,
  destinations?: readonly string[],
  vehicle: VehicleFacts = {},
): DecisionInput {
  return {
    ...vehicle,
    now,
    ...(m?.verdict ? { verdict: m.verdict } : {}),
    ...(m?.manual ? { manual: true } : {}),
    readings: m?.readings ?? [],
    noThermometer: !hasThermometer,
    ...(destinations ? { destinations } : {}),
  };
}

/** One person's decision by the site's rules; a replayed pass adds a REVIEW reason. */
export function personDecision(
  m: CrewMember | undefined,
  rules: DecisionRules,
  now: number,
  hasThermometer: boolean,
  destinations?: readonly string[],
  vehicle: VehicleFacts = {},
): Decision {
  const d = decide(personInput(m, now, hasThermometer, destinations, vehicle), rules);
  if (!m?.replayed) return d;
  const reasons = sortReasons([
    ...d.reasons,
    { code: 'pass-replayed', outcome: 'REVIEW', detail: 'the pass was shown again' },
  ]);
  return { outcome: outcomeOf(reasons), reasons };
}

/** The site's rules applied to each person of the transit; the worst outcome over them wins. */
export function rulesDecision(
  t: Transit,
  rules: DecisionRules,
  now: number,
  hasThermometer: boolean,
  destinations?: readonly string[],
): CrewDecision {
  const members = t.crew.members;
  const vehicle = vehicleFacts(t);
  if (members.length === 0)
    return combine([
      [undefined, personDecision(undefined, rules, now, hasThermometer, destinations, vehicle)],
    ]);
  return combine(
    members.map((m) => [m, personDecision(m, rules, now, hasThermometer, destinations, vehicle)]),
  );
}

/** The temperature reasons that keep a truck at a yard exit: a fever, or one still to be confirmed. */
const EXIT_TEMPERATURE: ReadonlySet<string> = new Set(['fever', 'recheck-required']);

/** At a yard exit only a fever (anyone's, or one still to confirm) can keep the truck in. */
export function feverOnly(t: Transit, rules: DecisionRules, now: number): CrewDecision {
  return combine(
    t.crew.members.map((m) => {
      const d = decide({ now, manual: true, readings: m.readings }, rules);
      const reasons = d.reasons.filter((r) => EXIT_TEMPERATURE.has(r.code));
      return [m, { outcome: outcomeOf(reasons), reasons }];
    }),
  );
}

/**
 * The persons' decisions as one: the worst outcome; every reason, the deciding ones first, and
 * with more than one person each detail says whose it is (`co-driver: the pass is red`).
 */
export function combine(decided: readonly (readonly [CrewMember | undefined, Decision])[]): CrewDecision {
  const persons = new Map<number, Decision>();
  const crew = decided.length > 1;
  let outcome = outcomeOf([]);
  const reasons: DecisionReason[] = [];
  for (const [m, d] of decided) {
    if (m) persons.set(m.seat, d);
    outcome = worse(outcome, d.outcome);
    for (const r of d.reasons)
      reasons.push(crew && m ? { ...r, detail: `${m.role} ${m.seat}: ${r.detail}` } : r);
  }
  return { outcome, reasons: sortReasons(reasons), persons };
}
