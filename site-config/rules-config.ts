import { z } from 'zod';

/** The `rules` section: what the lanes decide from temperature and test results. */
export const DecisionRulesSchema = z
  .object({
    feverC: z.number().min(35).max(42).default(37.3),
    antigenMaxAgeHours: z.number().positive().default(24),
    pcrMaxAgeHours: z.number().positive().default(48),
    greenWithoutTest: z.enum(['YARD', 'PASS', 'REVIEW']).default('YARD'),
    yellow: z.enum(['YARD', 'REVIEW', 'ISOLATE']).default('YARD'),
  })
  .strict();
