import { z } from 'zod';

/**
 * The smallest pieces of the yard's wire formats, shared by yard-payloads.ts and the hand-over's
 * payloads (handover/handover-payloads.ts) without an import cycle between the two. Browser-safe:
 * zod only.
 */

export const BayIdSchema = z
  .string()
  .regex(/^[A-Z]{1,3}-\d{4,7}$/, 'must be a bay label such as P-0412')
  .describe('Bay label, e.g. P-0412');

export const TransactionSchema = z
  .string()
  .min(1)
  .max(64)
  .describe('Echoed in the reply, to match it to its request');

/** Who caused a change: a lane, a coordinator (staff ID), a timer, a bay sensor or an exit lane. */
export const ActorSchema = z
  .object({
    kind: z.enum(['lane', 'staff', 'timer', 'sensor']),
    id: z.string().max(64).optional().describe('Lane id, staff ID or sensor bus'),
    transaction: TransactionSchema.optional(),
  })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;
