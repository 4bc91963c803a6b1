import type { z } from 'zod';
import type { DecisionRulesSchema } from '../../site-config/schema.ts';
import type { Verdict } from '../passes/verdict.ts';
import {
  type Decision,
  type DecisionReason,
  type Outcome,
  outcomeOf,
  sortReasons,
} from './decision-schema.ts';

export type DecisionRules = z.infer<typeof DecisionRulesSchema>;

/** What a transit knows when it is decided. */
export interface DecisionInput {
  /** The verified pass, if one was scanned. */
  verdict?: Verdict;
  /** Staff registered the person by hand (no phone, no card). */
  manual?: boolean;
  /** The measured skin temperature in °C, if a plausible measurement came in time. */
  temperatureC?: number;
  /** The lane has no thermometer: temperature is not required. */
  noThermometer?: boolean;
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

  // Temperature.
  if (input.temperatureC !== undefined) {
    if (input.temperatureC >= rules.feverC) {
      add(
        'fever',
        'ISOLATE',
        `temperature ${input.temperatureC.toFixed(1)} °C is at or above ${rules.feverC} °C`,
      );
    }
  } else if (!input.noThermometer) {
    add('no-temperature', 'REVIEW', 'no plausible temperature was measured in time');
  }

  // The person's pass.
  if (input.manual) {
    add('manual-registration', 'REVIEW', 'registered by hand: staff decide');
  } else if (!input.verdict) {
    add('no-pass', 'REVIEW', 'no pass was scanned in time');
  } else if (input.verdict.kind === 'unverified') {
    add('unverified-code', 'REVIEW', 'the code scanned is not a pass that can be verified');
  } else if (!input.verdict.valid) {
    add(
      'pass-invalid',
      'REVIEW',
      `the pass did not verify (${input.verdict.reasons.join(', ') || 'unknown'})`,
    );
  } else {
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
