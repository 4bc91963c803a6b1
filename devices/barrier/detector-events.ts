import { z } from 'zod';

/**
 * A barrier detector (safety loop, photo-eye, arming or reset loop) high for longer than the
 * barrier's `stuckAfterMs` (`stuck: true`), or low again after it was reported stuck
 * (`stuck: false`). A stuck presence input keeps the arm from closing until it is fixed.
 */
export const DetectorStuckEventSchema = z
  .object({
    detector: z.string().min(1).max(24),
    role: z.enum(['presence', 'arming', 'reset']),
    kind: z.enum(['loop', 'photo-eye']),
    stuck: z.boolean(),
    afterMs: z.number().int().nonnegative(),
    at: z.number().int().nonnegative(),
  })
  .strict();
export type DetectorStuckEvent = z.infer<typeof DetectorStuckEventSchema>;
