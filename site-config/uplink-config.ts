import { z } from 'zod';

/** The `uplink` section: the connection to the central broker and its backlog replay. */
export const UplinkConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    url: z.string().default('mqtt://127.0.0.1:1884').describe('Central broker, mqtt:// or mqtts://'),
    clientId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Defaults to gatepost-<site id>; keep it stable: the session at the central broker is bound to it',
      ),
    username: z.string().optional(),
    password: z.string().optional(),
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true).describe("Verify the central broker's TLS certificate"),
    topicPrefix: z.string().default('gatepost'),
    drainRatePerSecond: z.number().int().positive().default(5000).describe('Backlog replay rate limit'),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .max(65000)
      .default(1000)
      .describe('PUBLISHes awaiting their PUBACK at once; the backlog may use at most 80 % of them'),
    reconnectMinMs: z.number().int().positive().default(500),
    reconnectMaxMs: z.number().int().positive().default(30000),
    connectTimeoutMs: z.number().int().positive().default(10000),
    keepaliveSeconds: z.number().int().min(5).max(3600).default(30),
    ackTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(30000)
      .describe('Reconnect when PUBLISHes are waiting and no PUBACK came for this long'),
    statusIntervalMs: z.number().int().positive().default(5000).describe('Uplink status topic refresh'),
  })
  .strict()
  .refine((u) => u.reconnectMaxMs >= u.reconnectMinMs, {
    message: 'reconnectMaxMs must not be below reconnectMinMs',
    path: ['reconnectMaxMs'],
  });
