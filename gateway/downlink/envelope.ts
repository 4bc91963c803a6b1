import { z } from 'zod';

/**
 * The downlink envelope: what the central office signs (docs/downlink.md). It travels as a JWS
 * (compact serialization, EdDSA over Ed25519, `kid` of a pinned central key, `typ` below) whose
 * payload is the JSON of `DownlinkClaimsSchema`.
 */

export const DOWNLINK_JWS_TYPE = 'gatepost-downlink+jws';

export const DOWNLINK_KINDS = ['trust-list', 'rules', 'test-results', 'pre-registrations', 'config'] as const;
export const DownlinkKindSchema = z.enum(DOWNLINK_KINDS);
export type DownlinkKind = z.infer<typeof DownlinkKindSchema>;

/** Envelope ids appear in topics of acks and in logs: one short token, no topic characters. */
export const EnvelopeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits or . _ : -')
  .describe('Envelope id, chosen by the central office, unique across all envelopes; acks carry it');

const epochSeconds = z.number().int().nonnegative();

export const DownlinkClaimsSchema = z
  .object({
    id: EnvelopeIdSchema,
    kind: DownlinkKindSchema,
    version: z
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .describe('Strictly increasing per kind, across the fleet-wide and the site topics'),
    site: z
      .string()
      .min(1)
      .max(64)
      .describe('The site id it is meant for, or `all`; must match the topic it came on'),
    iat: epochSeconds.describe('Issued at, epoch seconds'),
    exp: epochSeconds.describe('Expires at, epoch seconds; an envelope read later is refused'),
    payload: z.unknown().describe('The kind’s payload (downlink-payloads.ts)'),
  })
  .strict();
export type DownlinkClaims = z.infer<typeof DownlinkClaimsSchema>;

/** Why an envelope was refused; the ack and the alarm carry one of these. */
export const REFUSAL_REASONS = [
  'too-large',
  'unsigned',
  'unsupported-alg',
  'unknown-key',
  'bad-signature',
  'malformed',
  'wrong-site',
  'wrong-kind',
  'expired',
  'not-yet-valid',
  'replayed',
  'rolled-back',
  'invalid-payload',
  'not-configured',
  'apply-failed',
  'superseded',
  'config-rolled-back',
] as const;
export const RefusalReasonSchema = z.enum(REFUSAL_REASONS);
export type RefusalReason = z.infer<typeof RefusalReasonSchema>;

/** The ack of one envelope: a record of the gateway stream, delivered to the centre by the uplink. */
export const DownlinkAckSchema = z
  .object({
    envelopeId: EnvelopeIdSchema.nullable().describe('null when the message could not be read far enough'),
    topic: z.string().max(256).describe('The central topic it came on'),
    kind: DownlinkKindSchema.optional(),
    version: z.number().int().positive().optional(),
    status: z.enum(['applied', 'refused']),
    reason: RefusalReasonSchema.optional(),
    message: z.string().max(500).optional().describe('English, for the central office'),
    duplicate: z
      .boolean()
      .optional()
      .describe('A redelivery by the broker of the envelope applied last; nothing changed'),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('What applying found (test-results: samples not matched)'),
  })
  .strict();
export type DownlinkAck = z.infer<typeof DownlinkAckSchema>;
