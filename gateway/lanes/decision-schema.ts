import { z } from 'zod';

/**
 * The decision's schema: the outcomes and their order (the worst wins), the reason codes, one
 * reason and the decision. Zod only, browser-safe: the lanes' records and requests and the kiosk
 * use it. The site's rules that make a decision are decision-rules.ts, the steps of one decision
 * (the yard's bay, the record, an escalation) decision-steps.ts, the lane's decider lane-decider.ts.
 */

/** What happens to a truck. The worst outcome wins: ISOLATE over REVIEW over YARD over PASS. */
export const OUTCOMES = ['PASS', 'YARD', 'REVIEW', 'ISOLATE'] as const;
export const OutcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const DECISION_REASONS = [
  'fever',
  'no-temperature',
  'no-pass',
  'pass-invalid',
  'pass-red',
  'positive-test',
  'pass-yellow',
  'recent-negative-test',
  'no-recent-test',
  'unverified-code',
  'manual-registration',
  'pass-replayed',
  'yard-full',
  'yard-unavailable',
  'staff-override',
  'yard-cleared',
  'yard-not-cleared',
  'too-many-codes',
  'recheck-required',
  'ambient-out-of-range',
  'fever-not-confirmed',
  'route-mismatch',
  'plate-mismatch',
  'pre-registered',
  'handover-receiving',
] as const;
export const DecisionReasonCodeSchema = z.enum(DECISION_REASONS);
export type DecisionReasonCode = z.infer<typeof DecisionReasonCodeSchema>;

export const DecisionReasonSchema = z
  .object({
    code: DecisionReasonCodeSchema,
    outcome: OutcomeSchema.describe('What this reason alone would decide'),
    detail: z.string().describe('Plain words for the kiosk and the ledger'),
  })
  .strict();
export type DecisionReason = z.infer<typeof DecisionReasonSchema>;

export const DecisionSchema = z
  .object({
    outcome: OutcomeSchema,
    reasons: z.array(DecisionReasonSchema).min(1).describe('Every reason, the deciding ones first'),
  })
  .strict();
export type Decision = z.infer<typeof DecisionSchema>;

export function worse(a: Outcome, b: Outcome): Outcome {
  return OUTCOMES.indexOf(a) >= OUTCOMES.indexOf(b) ? a : b;
}

/** The outcome of a set of reasons: the worst one. */
export function outcomeOf(reasons: readonly DecisionReason[]): Outcome {
  return reasons.reduce<Outcome>((o, r) => worse(o, r.outcome), 'PASS');
}

/** Reasons ordered the deciding ones first, then from worst to mildest; stable within a rank. */
export function sortReasons(reasons: readonly DecisionReason[]): DecisionReason[] {
  return [...reasons].sort((a, b) => OUTCOMES.indexOf(b.outcome) - OUTCOMES.indexOf(a.outcome));
}
