import { z } from 'zod';

/** Raw Ed25519 public key bytes, base64url without padding: 43 characters. */
const ED25519_X = /^[A-Za-z0-9_-]{43}$/;

/** One pinned central key: the `kid` the central office puts in its JWS header, and the key. */
export const CentralKeySchema = z
  .object({
    kid: z.string().min(1).max(64).describe('Key id, as in the JWS header of the envelopes it signs'),
    x: z
      .string()
      .regex(ED25519_X, 'must be an Ed25519 public key, 32 bytes base64url (the `x` of its JWK)')
      .describe('Ed25519 public key: the `x` of the JWK printed by `gatepost central keygen`'),
  })
  .strict();
export type CentralKey = z.infer<typeof CentralKeySchema>;

/**
 * The `downlink` section: signed envelopes from the central office (docs/downlink.md), read on
 * the uplink's connection to the central broker.
 */
export const DownlinkConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Subscribe to <uplink.topicPrefix>/<site>/down/# and <uplink.topicPrefix>/all/down/#'),
    centralKeys: z
      .array(CentralKeySchema)
      .max(2)
      .default([])
      .describe('Pinned central keys (two during a rotation); an envelope signed by any other is refused'),
    maxEnvelopeBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(24 * 1024 * 1024)
      .describe('Largest downlink message read; a 16 MiB trust list is ~22 MiB once signed'),
    clockSkewSeconds: z
      .number()
      .int()
      .nonnegative()
      .default(300)
      .describe('Tolerance on the issued-at and expiry of an envelope'),
    previousTrustListPath: z
      .string()
      .optional()
      .describe('Where the replaced trust list is kept (default: passes.trustListPath + ".previous")'),
    configReadyTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe(
        'A config from the downlink that has not made the gateway ready (lanes, devices, broker) within this is rolled back',
      ),
  })
  .strict()
  .refine((d) => new Set(d.centralKeys.map((k) => k.kid)).size === d.centralKeys.length, {
    message: 'two central keys with the same kid',
    path: ['centralKeys'],
  });
export type DownlinkConfig = z.infer<typeof DownlinkConfigSchema>;

/** The downlink rides on the uplink's connection and is useless without a pinned key. */
export function checkDownlinkReferences(
  cfg: { downlink: DownlinkConfig; uplink: { enabled: boolean } },
  ctx: z.RefinementCtx,
): void {
  if (!cfg.downlink.enabled) return;
  if (!cfg.uplink.enabled)
    ctx.addIssue({
      code: 'custom',
      path: ['downlink', 'enabled'],
      message: 'the downlink needs the uplink (uplink.enabled): it reads on the same connection',
    });
  if (cfg.downlink.centralKeys.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['downlink', 'centralKeys'],
      message: 'the downlink needs at least one pinned central key',
    });
}
