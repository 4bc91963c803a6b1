import { z } from 'zod';

/** The `passes` section: pass verification and how ID numbers are kept. */
export const PassesConfigSchema = z
  .object({
    trustListPath: z
      .string()
      .optional()
      .describe('Trust list JSON (keys for GP1, dsc for HC1); reloaded on change'),
    clockSkewSeconds: z.number().int().nonnegative().default(300),
    replayWindowSeconds: z.number().int().nonnegative().default(600),
    idNumbers: z.enum(['full', 'masked', 'hashed']).default('masked'),
  })
  .strict();
