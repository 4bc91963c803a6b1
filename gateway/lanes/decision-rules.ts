import type { z } from 'zod';
import { normalisePlate } from '../../devices/camera/plate-text.ts';
import type { DecisionRulesSchema } from '../../site-config/schema.ts';
import type { Verdict } from '../passes/verdict.ts';
import {
  type Decision,
  type DecisionReason,
  type Outcome,
  outcomeOf,
  sortReasons,
} from './decision-schema.ts';
import type { PreRegisteredTruck } from './lane-records.ts';
import type { TemperatureReading } from './temperature-reading.ts';
import { judgeTemperature } from './temperature-rules.ts';

export type DecisionRules = z.infer<typeof DecisionRulesSchema>;

/** What a transit knows of one person when it is decided (a crew is decided person by person). */
export interface DecisionInput {
  /** The verified pass, if one was scanned. */
  verdict?: Verdict;
  /** Staff registered the person by hand (no phone, no card). */
  manual?: boolean;
  /** The person's temperature readings, in the order they came (screening and hand-entered). */
  readings?: readonly TemperatureReading[];
  /**
   * A single screening reading taken at `now`, °C: for callers that hold one number rather than
   * `readings` (both given: both count).
   */
  temperatureC?: number;
  /** The destinations the lane serves; absent or empty: every destination (no route rule). */
  destinations?: readonly string[];
  /** The lane has no thermometer: temperature is not required. */
  noThermometer?: boolean;
  /** The plate the lane's plate camera read for the vehicle (normalised), if it has one. */
  sightedPlate?: string;
  /** The central office's announcement of the vehicle valid now (looked up by plate and colour). */
  preRegistration?: PreRegisteredTruck;
  /** When the decision is made, epoch ms. */
  now: number;
}

const HOUR = 3_600_000;

/**
 * The site's decision rules (product brief, "Default decision rules"), pure: the same input
 * always gives the same decision. Every rule that fires adds a reason; the worst outcome wins.
 */
export function decide(input: DecisionInput, rules: DecisionRules): Decision {
  const reasons: DecisionReason[] = [];
  const add = (code: DecisionReason['code'], outcome: Outcome, detail: string) =>
    reasons.push({ code, outcome, detail });

  // Temperature (temperature-rules.ts).
  const readings: readonly TemperatureReading[] =
    input.temperatureC === undefined
      ? (input.readings ?? [])
      : [...(input.readings ?? []), { valueC: input.temperatureC, method: 'screening', at: input.now }];
  judgeTemperature(readings, rules, input.noThermometer === true, add);

  // The person's pass.
  if (input.manual) {
    add('manual-registration', 'REVIEW', 'registered by hand: staff decide');
  } else if (!input.verdict) {
    if (input.preRegistration)
      add('pre-registered', rules.preRegisteredWithoutPass, preRegisteredDetail(input.preRegistration));
    else add('no-pass', 'REVIEW', 'no pass was scanned in time');
  } else if (input.verdict.kind === 'unverified') {
    add('unverified-code', 'REVIEW', 'the code scanned is not a pass that can be verified');
  } else if (!input.verdict.valid) {
    add(
      'pass-invalid',
      'REVIEW',
      `the pass did not verify (${input.verdict.reasons.join(', ') || 'unknown'})`,
    );
  } else {
    plateRule(input.verdict, input.sightedPlate, add);
    routeRule(input.verdict, input.destinations, add);
    passRules(input.verdict, input.now, rules, add);
  }

  return { outcome: outcomeOf(reasons), reasons: sortReasons(reasons) };
}

function passRules(
  verdict: Verdict,
  now: number,
  rules: DecisionRules,
  add: (code: DecisionReason['code'], outcome: Outcome, detail: string) => void,
): void {
  const { facts } = verdict;
  const positive = facts.tests.find((t) => t.result === 'positive');
  if (positive) add('positive-test', 'ISOLATE', `the pass shows a positive ${positive.kind} test`);
  // An EU DCC has no colour: a valid one counts as green.
  const color = facts.color ?? 'green';
  if (color === 'red') add('pass-red', 'ISOLATE', 'the pass is red');
  if (color === 'yellow') add('pass-yellow', rules.yellow, `the pass is yellow`);
  if (color !== 'green' || positive) return;

  const recent = facts.tests.find((t) => {
    if (t.result !== 'negative' || t.at > now) return false;
    const maxAge = (t.kind === 'antigen' ? rules.antigenMaxAgeHours : rules.pcrMaxAgeHours) * HOUR;
    return now - t.at <= maxAge;
  });
  if (recent) {
    const hours = ((now - recent.at) / HOUR).toFixed(1);
    add('recent-negative-test', 'PASS', `green, negative ${recent.kind} test ${hours} h old`);
  } else {
    add(
      'no-recent-test',
      rules.greenWithoutTest,
      `green without a negative antigen test within ${rules.antigenMaxAgeHours} h or PCR within ${rules.pcrMaxAgeHours} h`,
    );
  }
}

/** A place as compared: trimmed, case folded (region codes, or names). */
const place = (s: string) => s.trim().toLowerCase();

/**
 * A valid pass whose destination the lane does not serve is REVIEW `route-mismatch`. A pass
 * without a destination (an old GP1, an EU DCC) or a lane without `destinations` fires nothing.
 */
function routeRule(
  verdict: Verdict,
  destinations: readonly string[] | undefined,
  add: (code: DecisionReason['code'], outcome: Outcome, detail: string) => void,
): void {
  const dest = verdict.facts.destination;
  if (dest === undefined || !destinations || destinations.length === 0) return;
  if (destinations.some((d) => place(d) === place(dest))) return;
  const from = verdict.facts.origin ? ` from ${verdict.facts.origin}` : '';
  add(
    'route-mismatch',
    'REVIEW',
    `the pass is${from} to ${dest}; this lane serves ${destinations.join(', ')}`,
  );
}

/** A plate as compared: the camera's normalisation (half-width, upper-case, no spaces or dashes). */
const plateText = (s: string) => normalisePlate(s)?.plate ?? s.trim().toUpperCase();

/**
 * A valid pass that names a plate other than the one the lane's plate camera read is REVIEW
 * `plate-mismatch`. A pass without a plate, or a vehicle no camera read, fires nothing.
 */
function plateRule(
  verdict: Verdict,
  sighted: string | undefined,
  add: (code: DecisionReason['code'], outcome: Outcome, detail: string) => void,
): void {
  const named = verdict.facts.plate;
  if (named === undefined || sighted === undefined) return;
  if (plateText(named) === plateText(sighted)) return;
  add('plate-mismatch', 'REVIEW', `the pass is for ${named}; the camera read ${sighted}`);
}

const day = (epochSeconds: number) =>
  new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ');

/** The announcement in plain words: its id, route, validity and crew (the kiosk shows them). */
export function preRegisteredDetail(p: PreRegisteredTruck): string {
  const route = [p.origin ? `from ${p.origin}` : '', p.destination ? `to ${p.destination}` : '']
    .filter(Boolean)
    .join(' ');
  const crew = p.crew.map((c) => (c.name ? `${c.role} ${c.name}` : c.role)).join(', ');
  return [
    `no pass, but pre-registered (${p.id}) as ${p.plate}`,
    route,
    `valid ${day(p.validFrom)} to ${day(p.validUntil)} UTC`,
    crew ? `crew: ${crew}` : '',
    p.note ?? '',
  ]
    .filter(Boolean)
    .join('; ');
}
