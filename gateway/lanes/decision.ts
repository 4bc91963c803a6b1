import { z } from 'zod';

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
