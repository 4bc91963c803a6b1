import { z } from 'zod';
import { DecisionRulesSchema } from '../../site-config/rules-config.ts';
import { TrustListFileSchema } from '../passes/trust-list.ts';
import { SampleKindSchema, TestResultSchema } from '../yard/yard-payloads.ts';
import type { DownlinkKind } from './envelope.ts';

/** The payload of each downlink kind: one schema each (docs/downlink.md). */

/** `trust-list`: the trust list file itself (keys for GP1, dsc for HC1), as passes.trustListPath holds it. */
export const TrustListPayloadSchema = TrustListFileSchema;

/** `rules`: the whole `rules` section of the site config; applied to the lanes live. */
export const RulesPayloadSchema = DecisionRulesSchema;

/** Results of one batch a lab returned; a large batch is split over several envelopes. */
export const MAX_RESULTS_PER_ENVELOPE = 5000;

/** `test-results`: laboratory results keyed by sample id, applied as a coordinator's result entry. */
export const TestResultsPayloadSchema = z
  .object({
    batch: z.string().min(1).max(64).optional().describe("The lab's batch id, for the record"),
    results: z
      .array(
        z
          .object({
            sampleId: z.string().min(1).max(64).describe('The sample id the yard gave the swab'),
            result: TestResultSchema,
            kind: SampleKindSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_RESULTS_PER_ENVELOPE),
  })
  .strict();
export type TestResultsPayload = z.infer<typeof TestResultsPayloadSchema>;

export const PAYLOAD_SCHEMAS = {
  'trust-list': TrustListPayloadSchema,
  rules: RulesPayloadSchema,
  'test-results': TestResultsPayloadSchema,
} satisfies Record<DownlinkKind, z.ZodType>;
