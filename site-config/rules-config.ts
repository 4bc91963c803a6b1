import { z } from 'zod';

/** The `rules` section: what the lanes decide from temperature, test results and routes. */
export const DecisionRulesSchema = z
  .object({
    feverC: z.number().min(35).max(42).default(37.3),
    feverConfirm: z
      .enum(['immediate', 'recheck'])
      .default('recheck')
      .describe(
        'immediate: one screening reading at or above feverC isolates. recheck: it gives REVIEW (recheck-required); only a confirming reading (a second screening at least recheckPauseMs later, or a handheld or contact reading staff enter) isolates, and a normal one passes on',
      ),
    recheckPauseMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(120_000)
      .describe(
        'How long after a screening fever a second screening counts as its confirmation (the person rests out of the cab first)',
      ),
    ambientMinC: z
      .number()
      .min(-40)
      .max(60)
      .default(16)
      .describe(
        'A screening reading taken at an ambient below this is not trusted (REVIEW ambient-out-of-range)',
      ),
    ambientMaxC: z
      .number()
      .min(-40)
      .max(60)
      .default(32)
      .describe(
        'A screening reading taken at an ambient above this is not trusted (REVIEW ambient-out-of-range)',
      ),
    antigenMaxAgeHours: z.number().positive().default(24),
    pcrMaxAgeHours: z.number().positive().default(48),
    greenWithoutTest: z.enum(['YARD', 'PASS', 'REVIEW']).default('YARD'),
    yellow: z.enum(['YARD', 'REVIEW', 'ISOLATE']).default('YARD'),
    preRegisteredWithoutPass: z
      .enum(['REVIEW', 'PASS'])
      .default('REVIEW')
      .describe(
        'A truck announced by the central office (a pre-registration valid now, found by its plate and colour) whose person shows no pass: REVIEW pre-registered with the announcement, or PASS',
      ),
  })
  .strict()
  .refine((r) => r.ambientMinC < r.ambientMaxC, {
    path: ['ambientMaxC'],
    message: 'must be above ambientMinC',
  });
