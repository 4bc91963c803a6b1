import { z } from 'zod';
import { DEFAULT_LIMITS, DEFAULT_MAX_PACKET_BYTES } from '../broker/limits.ts';
import { DEFAULT_TOKEN_OPTIONS } from '../broker/tokens.ts';

/** The `broker` section: the embedded MQTT broker (or the one used instead), its listeners and limits. */
const listener = (port: number) =>
  z
    .object({
      enabled: z.boolean().default(true),
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(port),
    })
    .strict();

export const BrokerConfigSchema = z
  .object({
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
      .optional()
      .describe('Use this broker (e.g. a shared broker cluster) instead of starting the embedded one'),
    username: z.string().optional().describe("The gateway's own credentials on that broker"),
    password: z.string().optional(),
    tcp: listener(1883).prefault({}),
    websocket: listener(9001)
      .extend({ path: z.string().startsWith('/').default('/mqtt') })
      .prefault({}),
    allowAnonymousLoopback: z
      .boolean()
      .default(true)
      .describe(
        'Let clients on 127.0.0.1/::1 connect without credentials, with every right (demo and bench work); turn off on a site',
      ),
    maxPacketBytes: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_MAX_PACKET_BYTES)
      .describe('Larger MQTT packets close the connection before they are read'),
    usersFile: z
      .string()
      .optional()
      .describe(
        'Users, roles and scrypt hashes (`gatepost user add`), reloaded on change; see docs/security.md. Without it only anonymous loopback clients and token holders get in',
      ),
    tokens: z
      .object({
        secretFile: z
          .string()
          .optional()
          .describe(
            "HMAC secrets of the web pages' MQTT tokens, one per line, the first signs; without it a random secret per run",
          ),
        ttlSeconds: z.number().int().min(60).max(86400).default(DEFAULT_TOKEN_OPTIONS.ttlSeconds),
        maxSessionHours: z
          .number()
          .positive()
          .max(168)
          .default(DEFAULT_TOKEN_OPTIONS.maxSessionHours)
          .describe('Staff sign in with their PIN again after this long'),
      })
      .strict()
      .prefault({}),
    tls: z
      .object({
        certFile: z.string().describe('PEM certificate (chain); reloaded when it changes'),
        keyFile: z.string().describe('PEM private key'),
        caFile: z.string().optional().describe('CA of the client certificates, with requireClientCert'),
        requireClientCert: z.boolean().default(false),
        tcp: listener(8883).prefault({}),
        websocket: listener(9443).prefault({}).describe('wss://, on the path of broker.websocket'),
      })
      .strict()
      .optional()
      .describe('TLS listeners (mqtts:// and wss://) beside the plain ones'),
    limits: z
      .object({
        maxTopicDepth: z.number().int().min(1).max(100).default(DEFAULT_LIMITS.maxTopicDepth),
        maxSubscriptionsPerClient: z
          .number()
          .int()
          .positive()
          .default(DEFAULT_LIMITS.maxSubscriptionsPerClient),
        maxInflightPerClient: z
          .number()
          .int()
          .positive()
          .default(DEFAULT_LIMITS.maxInflightPerClient)
          .describe('Inbound QoS 2 messages awaiting PUBREL'),
        maxPacketsPerSecond: z
          .number()
          .positive()
          .default(DEFAULT_LIMITS.maxPacketsPerSecond)
          .describe('Per client of the kiosk, coordinator, viewer and simulator roles; more is read later'),
        maxConnections: z
          .number()
          .int()
          .positive()
          .default(DEFAULT_LIMITS.maxConnections)
          .describe('All listeners together; 2 more from loopback are kept for the gateway process'),
        maxConnectionsPerAddress: z
          .number()
          .int()
          .positive()
          .default(DEFAULT_LIMITS.maxConnectionsPerAddress)
          .describe(
            'Open connections from one address; an idle one (no CONNECT yet) makes way for a new one',
          ),
        connectTimeoutMs: z.number().int().positive().default(DEFAULT_LIMITS.connectTimeoutMs),
        slowClientTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(DEFAULT_LIMITS.slowClientTimeoutMs)
          .describe('A client that leaves what it is sent unread this long is disconnected'),
      })
      .strict()
      .prefault({}),
    cluster: z
      .object({
        enabled: z.boolean().default(false),
        redisUrl: z
          .string()
          .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
          .default('redis://127.0.0.1:6379'),
      })
      .strict()
      .prefault({})
      .describe('Several broker nodes sharing subscriptions, retained messages and sessions through Redis'),
    thread: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Run the embedded broker on a thread of its own, off the lanes’ event loop'),
        nice: z
          .number()
          .int()
          .min(0)
          .max(19)
          .default(10)
          .describe(
            'Scheduling niceness of the broker thread (Linux): a busy broker yields the CPU to the lanes, never the other way round',
          ),
      })
      .strict()
      .prefault({})
      .describe('Where the embedded broker runs (docs/operations.md: latency under broker load)'),
  })
  .strict()
  .refine((b) => !b.cluster.enabled || b.tokens.secretFile !== undefined, {
    message: 'cluster mode needs tokens.secretFile, so that every node accepts the tokens any node issues',
    path: ['tokens', 'secretFile'],
  });
