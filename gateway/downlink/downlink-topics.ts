import { z } from 'zod';
import { recordSchema } from '../mqtt/record.ts';
import { def } from '../mqtt/topic-def.ts';
import { type DOWNLINK_KINDS, DownlinkAckSchema, EnvelopeIdSchema, RefusalReasonSchema } from './envelope.ts';

/**
 * The downlink's topics on the local broker (browser-safe: zod and the topic table's helpers).
 * The envelopes themselves come on the central broker, not here: see the status topic's text.
 */

const epoch = z.number().int();

export const DownlinkKindStatusSchema = z
  .object({
    version: z.number().int().positive(),
    envelopeId: z.string(),
    issuedAt: epoch.describe('When the centre issued it, epoch ms'),
    appliedAt: epoch.describe('When this site applied it, epoch ms'),
  })
  .strict();

export const DownlinkStatusSchema = z
  .object({
    kinds: z
      .object({
        'trust-list': DownlinkKindStatusSchema.optional(),
        rules: DownlinkKindStatusSchema.optional(),
        'test-results': DownlinkKindStatusSchema.optional(),
        'pre-registrations': DownlinkKindStatusSchema.optional(),
        config: DownlinkKindStatusSchema.optional().describe(
          'A config is counted here once staged; its ack says whether it came up (docs/downlink.md)',
        ),
      } satisfies Record<(typeof DOWNLINK_KINDS)[number], unknown>)
      .strict()
      .describe('The version applied last of each kind; a kind never received is absent'),
    applied: z.number().int().nonnegative().describe('Envelopes applied since the gateway started'),
    refused: z.number().int().nonnegative().describe('Envelopes refused since the gateway started'),
    lastRefusal: z
      .object({ envelopeId: EnvelopeIdSchema.nullable(), reason: RefusalReasonSchema, at: epoch })
      .strict()
      .optional(),
    at: epoch,
  })
  .strict();
export type DownlinkStatus = z.infer<typeof DownlinkStatusSchema>;

/** A laboratory result of a test-results envelope that did not match a sample waiting in the yard. */
export const UnmatchedResultSchema = z
  .object({
    envelopeId: EnvelopeIdSchema,
    sampleId: z.string().min(1).max(64),
    result: z.enum(['negative', 'positive']),
    kind: z.enum(['antigen', 'pcr']).optional(),
    reason: z
      .enum(['unknown-sample', 'refused'])
      .describe('unknown-sample: no truck in the yard holds it (unknown, or the truck has left)'),
    message: z.string().max(200).optional(),
  })
  .strict();
export type UnmatchedResult = z.infer<typeof UnmatchedResultSchema>;

export const DOWNLINK_TOPICS = {
  gatewayDownlink: def({
    pattern: 'gatepost/{site}/gateway/downlink',
    schema: DownlinkStatusSchema,
    retained: true,
    publisher: 'gateway',
    description:
      'The downlink from the central office (docs/downlink.md): the version applied last of each kind, counts, the last refusal. Retained; refreshed on every envelope. The envelopes come on the central broker, on `<uplink.topicPrefix>/<site>/down/<kind>` and `<uplink.topicPrefix>/all/down/<kind>` (QoS 1, the uplink’s persistent session); each is answered by a `downlink-ack` record.',
  }),
  gatewayDownlinkAck: def({
    pattern: 'gatepost/{site}/gateway/downlink-ack',
    schema: recordSchema(DownlinkAckSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'A record of the gateway stream: the answer to one downlink envelope, `applied` or `refused` with its reason, keyed by `envelopeId`. The uplink forwards it to `<uplink.topicPrefix>/<site>/gateway/downlink-ack` on the central broker.',
  }),
  gatewayDownlinkUnmatchedResult: def({
    pattern: 'gatepost/{site}/gateway/downlink-unmatched-result',
    schema: recordSchema(UnmatchedResultSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'A record of the gateway stream: a laboratory result from the centre that no sample waiting in the yard matched (unknown sample, truck gone) or that the yard refused; kept, never dropped.',
  }),
};
