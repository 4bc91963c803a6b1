import { z } from 'zod';
import { PlateColourSchema } from '../../core/plate-colour.ts';
import { CONFIG_MAX_BYTES } from '../../site-config/load.ts';
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

/** Entries of one pre-registrations envelope (a full list of a province's announced trucks). */
export const MAX_PRE_REGISTRATIONS = 20_000;

const epochSeconds = z.number().int().nonnegative();

/** One truck announced ahead (报备): its plate and colour, its crew, where it goes, when. */
export const PreRegistrationSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .describe("The centre's id of the announcement; a later one with the same id replaces it"),
    plate: z.string().trim().min(1).max(16),
    plateColour: PlateColourSchema.optional(),
    crew: z
      .array(
        z
          .object({
            role: z.enum(['driver', 'co-driver', 'escort']),
            name: z.string().min(1).max(100).optional(),
            idNumber: z.string().min(1).max(32).optional().describe('Personal data'),
            subject: z.string().min(1).max(128).optional().describe('Pseudonymous pass holder id'),
          })
          .strict(),
      )
      .max(4)
      .default([]),
    origin: z.string().max(200).optional(),
    destination: z.string().max(200).optional(),
    validFrom: epochSeconds,
    validUntil: epochSeconds,
    note: z.string().max(200).optional(),
  })
  .strict()
  .refine((p) => p.validUntil > p.validFrom, {
    message: 'validUntil must be after validFrom',
    path: ['validUntil'],
  });
export type PreRegistration = z.infer<typeof PreRegistrationSchema>;

/**
 * `pre-registrations`: `full` replaces every pre-registration the site holds with `upsert`;
 * `delta` adds or replaces `upsert` (by id) and deletes `remove`.
 */
export const PreRegistrationsPayloadSchema = z
  .object({
    mode: z.enum(['full', 'delta']),
    upsert: z.array(PreRegistrationSchema).max(MAX_PRE_REGISTRATIONS).default([]),
    remove: z.array(z.string().min(1).max(64)).max(MAX_PRE_REGISTRATIONS).default([]),
  })
  .strict()
  .refine((p) => p.mode === 'delta' || p.remove.length === 0, {
    message: 'a full list has nothing to remove',
    path: ['remove'],
  });
export type PreRegistrationsPayload = z.infer<typeof PreRegistrationsPayloadSchema>;

/**
 * The same payload with its entries not yet checked: the downlink checks the shell at once and
 * the (up to 20,000) entries with PreRegistrationSchema a slice at a time, the event loop running
 * between slices (pre-registrations.ts).
 */
export const PreRegistrationsShellSchema = z
  .object({
    mode: z.enum(['full', 'delta']),
    upsert: z.array(z.unknown()).max(MAX_PRE_REGISTRATIONS).default([]),
    remove: z.array(z.string().min(1).max(64)).max(MAX_PRE_REGISTRATIONS).default([]),
  })
  .strict()
  .refine((p) => p.mode === 'delta' || p.remove.length === 0, {
    message: 'a full list has nothing to remove',
    path: ['remove'],
  });

/**
 * `config`: a whole site config file, as the site's config file holds it (YAML, or JSON for a
 * site whose config file ends in .json); checked as `gatepost check-config` checks a file.
 */
export const ConfigPayloadSchema = z
  .object({
    text: z
      .string()
      .min(1)
      .refine((t) => Buffer.byteLength(t, 'utf8') <= CONFIG_MAX_BYTES, {
        message: `a config file holds at most ${CONFIG_MAX_BYTES} bytes`,
      })
      .describe('The config file’s text'),
  })
  .strict();
export type ConfigPayload = z.infer<typeof ConfigPayloadSchema>;

export const PAYLOAD_SCHEMAS = {
  'trust-list': TrustListPayloadSchema,
  rules: RulesPayloadSchema,
  'test-results': TestResultsPayloadSchema,
  'pre-registrations': PreRegistrationsPayloadSchema,
  config: ConfigPayloadSchema,
} satisfies Record<DownlinkKind, z.ZodType>;
