import type { z } from 'zod';
import type { DecisionRulesSchema } from '../../site-config/schema.ts';
import type { DecisionReason, DecisionReasonCode, Outcome } from './decision-schema.ts';
import { CONFIRMING_METHODS, type TemperatureReading } from './temperature-reading.ts';

/** Reasons the rules give while a temperature waits for a confirming reading. */
const AWAITING_READING: ReadonlySet<DecisionReasonCode> = new Set([
  'recheck-required',
  'ambient-out-of-range',
]);

/** A decision with these reasons waits for a confirming reading (the lane takes it late). */
export function awaitsReading(reasons: readonly DecisionReason[] | undefined): boolean {
  return reasons?.some((r) => AWAITING_READING.has(r.code)) ?? false;
}

/** The site's rules (the `rules` section). */
type DecisionRules = z.infer<typeof DecisionRulesSchema>;

type Add = (code: DecisionReasonCode, outcome: Outcome, detail: string) => void;

const c = (v: number) => `${v.toFixed(1)} °C`;
const said = (r: TemperatureReading) => `${r.method} reading ${c(r.valueC)}`;

/** The last of these readings: the latest `at`, the later in the list on a tie. */
function latest(readings: readonly TemperatureReading[]): TemperatureReading | undefined {
  let last: TemperatureReading | undefined;
  for (const r of readings) if (!last || r.at >= last.at) last = r;
  return last;
}

/** The first of these readings: the earliest `at`, the earlier in the list on a tie. */
function earliest(readings: readonly TemperatureReading[]): TemperatureReading | undefined {
  let first: TemperatureReading | undefined;
  for (const r of readings) if (!first || r.at < first.at) first = r;
  return first;
}

/**
 * One person's temperature readings judged by the site's rules (pure; decision-rules.ts calls it):
 *
 * - No reading: REVIEW `no-temperature`, unless the lane has no thermometer.
 * - A reading taken at an ambient outside `ambientMinC`-`ambientMaxC` is not trusted (an
 *   infrared reading is off in a cold wind or a hot sun); with no trusted reading, REVIEW
 *   `ambient-out-of-range`. A reading whose ambient is unknown (hand-entered) is trusted.
 * - `immediate`: a trusted reading at or above `feverC`, whatever its method, is ISOLATE `fever`.
 * - `recheck`: a handheld or contact reading decides by itself, the latest one if several (at or
 *   above `feverC`: ISOLATE `fever`; below: the screening fever, if any, was not confirmed, PASS
 *   `fever-not-confirmed`). Without one, a screening (or camera) fever is REVIEW
 *   `recheck-required` until a second screening at least `recheckPauseMs` after it: the latest
 *   such reading confirms (ISOLATE `fever`) or clears it (PASS `fever-not-confirmed`).
 */
export function judgeTemperature(
  readings: readonly TemperatureReading[],
  rules: DecisionRules,
  noThermometer: boolean,
  add: Add,
): void {
  if (readings.length === 0) {
    if (!noThermometer) add('no-temperature', 'REVIEW', 'no plausible temperature was measured in time');
    return;
  }
  const { feverC, ambientMinC, ambientMaxC } = rules;
  const trusted = readings.filter(
    (r) => r.ambientC === undefined || (r.ambientC >= ambientMinC && r.ambientC <= ambientMaxC),
  );
  if (trusted.length === 0) {
    const r = latest(readings) as TemperatureReading;
    add(
      'ambient-out-of-range',
      'REVIEW',
      `the ${said(r)} was taken at an ambient ${c(r.ambientC ?? Number.NaN)}, outside ${ambientMinC}-${ambientMaxC} °C: take a handheld or contact reading`,
    );
    return;
  }
  const fever = (r: TemperatureReading) => r.valueC >= feverC;
  if (rules.feverConfirm === 'immediate') {
    const hot = trusted.filter(fever).sort((a, b) => b.valueC - a.valueC)[0];
    if (hot)
      add('fever', 'ISOLATE', `temperature ${c(hot.valueC)} (${hot.method}) is at or above ${feverC} °C`);
    return;
  }

  const screened = trusted.filter((r) => !CONFIRMING_METHODS.has(r.method));
  const first = earliest(screened.filter(fever));
  const hand = latest(trusted.filter((r) => CONFIRMING_METHODS.has(r.method)));
  if (hand) {
    if (fever(hand)) {
      add('fever', 'ISOLATE', `${said(hand)} confirms a fever: at or above ${feverC} °C`);
    } else if (first) {
      add('fever-not-confirmed', 'PASS', `screening ${c(first.valueC)} not confirmed: ${said(hand)}`);
    }
    return;
  }
  if (!first) return;
  const recheck = latest(screened.filter((r) => r !== first && r.at - first.at >= rules.recheckPauseMs));
  if (!recheck) {
    add(
      'recheck-required',
      'REVIEW',
      `${said(first)} is at or above ${feverC} °C: confirm with a handheld or contact reading, or screen again after ${Math.round(rules.recheckPauseMs / 1000)} s`,
    );
    return;
  }
  const after = `${Math.round((recheck.at - first.at) / 1000)} s later`;
  if (fever(recheck)) {
    add(
      'fever',
      'ISOLATE',
      `confirmed by a second screening ${after}: ${said(recheck)}, at or above ${feverC} °C`,
    );
  } else {
    add(
      'fever-not-confirmed',
      'PASS',
      `screening ${c(first.valueC)} not confirmed: ${said(recheck)} ${after}`,
    );
  }
}
