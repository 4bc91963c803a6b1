import { z } from 'zod';
import { DEFAULT_LIMITS, DEFAULT_MAX_PACKET_BYTES } from '../broker/limits.ts';
import { DEFAULT_TOKEN_OPTIONS } from '../broker/tokens.ts';
import { BarrierConfigSchema } from '../devices/barrier/config.ts';
import { BaySensorBusConfigSchema } from '../devices/bay-sensor/config.ts';
import { ScannerConfigSchema } from '../devices/scanner/config.ts';
import { ThermometerConfigSchema } from '../devices/thermometer/config.ts';
import { DEFAULT_TELEMETRY_TYPES, protectedConflict } from './telemetry-types.ts';

/** The config format version this code reads. Older versions are migrated (see migrate.ts). */
export const CONFIG_VERSION = 1;

const id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,31}$/,
    'must be 1-32 lowercase letters, digits or dashes (it is used in MQTT topics)',
  );

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

export const StorageConfigSchema = z
  .object({
    path: z.string().default('var/gatepost.db'),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3)
      .describe('Disk the store may use (database + WAL); see docs/storage.md for what gives way'),
    reserveBytes: z
      .number()
      .int()
      .nonnegative()
      .default(32 * 1024 ** 2)
      .describe('Slack file kept next to the store, released to reclaim on a full disk (0: none)'),
    maxAgeDays: z
      .number()
      .positive()
      .default(90)
      .describe('Delivered records older than this may be reclaimed'),
    alarmRatios: z
      .tuple([z.number().gt(0).lt(1), z.number().gt(0).lt(1)])
      .default([0.8, 0.95])
      .describe('Warning and critical alarm levels, as fractions of maxBytes'),
    reclaimTargetRatio: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.7)
      .describe('Under disk pressure, delivered records are reclaimed until usage is below this'),
    groupCommitMs: z.number().nonnegative().default(2).describe('Longest wait to batch rows into one fsync'),
    checkpointIntervalMs: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe(
        'WAL checkpoint at least this often while records come in, between commits (never inside one)',
      ),
    checkpointRows: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe('... and as soon as this many rows were committed since the last one'),
    maxBatchRows: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('A group commit this large is made at once'),
    telemetryTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\*?$/))
      .default([...DEFAULT_TELEMETRY_TYPES])
      .describe(
        'Record types of bulky telemetry, the first to give way at the disk limit (`prefix*` allowed)',
      ),
    personalDataRetentionDays: z.number().positive().default(30),
    personalData: z
      .enum(['pseudonymise', 'delete'])
      .default('pseudonymise')
      .describe('What happens to names and ID numbers after personalDataRetentionDays, once delivered'),
    ledgerMaxAgeDays: z.number().positive().default(365).describe('Ledger rows older than this are deleted'),
    checkIntervalMs: z
      .number()
      .int()
      .positive()
      .default(10000)
      .describe('Disk usage check and storage status'),
    maintenanceIntervalMs: z
      .number()
      .int()
      .positive()
      .default(3600000)
      .describe('Age-based reclaim and personal-data retention run'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.alarmRatios[0] >= s.alarmRatios[1]) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarmRatios'],
        message: 'the warning level must be below the critical one',
      });
    }
    if (s.reclaimTargetRatio >= s.alarmRatios[0]) {
      ctx.addIssue({
        code: 'custom',
        path: ['reclaimTargetRatio'],
        message: 'must be below the warning level',
      });
    }
    s.telemetryTypes.forEach((t, i) => {
      const conflict = protectedConflict(t);
      if (conflict) ctx.addIssue({ code: 'custom', path: ['telemetryTypes', i], message: conflict });
    });
  });

export const LaneConfigSchema = z
  .object({
    id,
    name: z.string().min(1),
    kind: z.enum(['entry', 'yard-exit']).default('entry'),
    hasLoop: z
      .boolean()
      .default(true)
      .describe('Without a loop detector a transit begins with the first scan'),
    decisionTimeoutMs: z.number().int().positive().default(20000),
    devices: z
      .object({
        scanner: ScannerConfigSchema,
        thermometer: ThermometerConfigSchema.optional(),
        barrier: BarrierConfigSchema,
      })
      .strict(),
  })
  .strict();
export type LaneConfig = z.infer<typeof LaneConfigSchema>;

export const CheckpointConfigSchema = z
  .object({ id, name: z.string().min(1), lanes: z.array(LaneConfigSchema).min(1) })
  .strict();

export const BayRangeSchema = z
  .object({
    prefix: z.string().regex(/^[A-Z]{1,3}$/, 'must be 1-3 capital letters'),
    from: z.number().int().positive(),
    to: z.number().int().positive(),
  })
  .strict()
  .refine((r) => r.to >= r.from, { message: '"to" must not be below "from"' });

export const ZoneKindSchema = z.enum(['work', 'living', 'parking', 'isolation', 'handover']);
export const ZoneConfigSchema = z
  .object({
    id,
    name: z.string().min(1),
    kind: ZoneKindSchema,
    bays: z.array(BayRangeSchema).default([]),
  })
  .strict()
  .refine((z) => (z.kind === 'work' || z.kind === 'living' ? z.bays.length === 0 : true), {
    message: 'work and living areas have no truck bays',
    path: ['bays'],
  });
export type ZoneConfig = z.infer<typeof ZoneConfigSchema>;

export const YardConfigSchema = z
  .object({
    zones: z.array(ZoneConfigSchema).min(1),
    assignmentPolicy: z.enum(['nearest-gate', 'fill-rows']).default('nearest-gate'),
    reservationTimeoutMin: z.number().positive().default(30),
    antigenResultMin: z.number().positive().default(15),
    pcrResultMin: z.number().positive().default(360),
    exitLanes: z.array(LaneConfigSchema).default([]),
    baySensorBuses: z.array(BaySensorBusConfigSchema).default([]),
  })
  .strict();

export const DecisionRulesSchema = z
  .object({
    feverC: z.number().min(35).max(42).default(37.3),
    antigenMaxAgeHours: z.number().positive().default(24),
    pcrMaxAgeHours: z.number().positive().default(48),
    greenWithoutTest: z.enum(['YARD', 'PASS', 'REVIEW']).default('YARD'),
    yellow: z.enum(['YARD', 'REVIEW', 'ISOLATE']).default('YARD'),
  })
  .strict();

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

export const WebConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .strict();

export const OpsConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Serve /metrics (Prometheus), /healthz and /readyz on their own listener; see docs/operations.md',
      ),
    host: z
      .string()
      .default('127.0.0.1')
      .describe(
        'Listen address; 0.0.0.0 lets a Prometheus on another box scrape (no authentication: firewall it)',
      ),
    port: z.number().int().min(0).max(65535).default(9464),
    clockCheck: z
      .object({
        enabled: z.boolean().default(true),
        toleranceSeconds: z
          .number()
          .nonnegative()
          .default(60)
          .describe('How far behind the newest stored record the clock may be before it counts as wrong'),
        intervalSeconds: z.number().int().positive().default(60).describe('How often the check runs again'),
      })
      .strict()
      .prefault({})
      .describe('Alarm when the clock is not synchronised (no RTC and no NTP after a power cut)'),
    realtime: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Once started, run the lanes’ event loop (the main thread) under SCHED_RR (Linux; needs CAP_SYS_NICE or LimitRTPRIO, see ops/gatepost.service; without, a warning is logged and it runs at normal priority). Not while the simulation runs in the process',
          ),
        priority: z
          .number()
          .int()
          .min(1)
          .max(99)
          .default(10)
          .describe('Real-time priority of the lanes’ event loop (LimitRTPRIO in the unit must allow it)'),
      })
      .strict()
      .prefault({})
      .describe('Real-time scheduling of the gateway process (docs/operations.md: latency under load)'),
  })
  .strict();

export const SimulationConfigSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Attach simulated devices for every device of this config'),
    attach: z.enum(['in-process', 'pty']).default('in-process'),
    timeScale: z.number().positive().default(1),
    seed: z.number().int().default(1),
  })
  .strict();

export const SiteConfigSchema = z
  .object({
    version: z.literal(CONFIG_VERSION).describe('Config format version'),
    site: z.object({ id, name: z.string().min(1) }).strict(),
    broker: BrokerConfigSchema.prefault({}),
    uplink: UplinkConfigSchema.prefault({}),
    storage: StorageConfigSchema.prefault({}),
    web: WebConfigSchema.prefault({}),
    ops: OpsConfigSchema.prefault({}),
    passes: PassesConfigSchema.prefault({}),
    rules: DecisionRulesSchema.prefault({}),
    checkpoints: z.array(CheckpointConfigSchema).min(1),
    yard: YardConfigSchema,
    simulation: SimulationConfigSchema.prefault({}),
  })
  .strict()
  .superRefine(checkCrossReferences);

export type SiteConfig = z.infer<typeof SiteConfigSchema>;

type SiteShape = Omit<SiteConfig, never>;

function checkCrossReferences(cfg: SiteShape, ctx: z.RefinementCtx): void {
  const laneIds = new Map<string, string>();
  const lanes: { lane: LaneConfig; path: (string | number)[] }[] = [];
  cfg.checkpoints.forEach((cp, ci) => {
    cp.lanes.forEach((lane, li) => {
      lanes.push({ lane, path: ['checkpoints', ci, 'lanes', li] });
    });
  });
  cfg.yard.exitLanes.forEach((lane, li) => {
    lanes.push({ lane, path: ['yard', 'exitLanes', li] });
  });

  const ports = new Map<string, string>();
  const gpio = new Map<string, string>();
  const claimPort = (portPath: string, owner: string, path: (string | number)[]) => {
    const prev = ports.get(portPath);
    if (prev)
      ctx.addIssue({ code: 'custom', path, message: `serial port ${portPath} is already used by ${prev}` });
    else ports.set(portPath, owner);
  };

  for (const { lane, path } of lanes) {
    const prevLane = laneIds.get(lane.id);
    if (prevLane)
      ctx.addIssue({ code: 'custom', path: [...path, 'id'], message: `lane id "${lane.id}" is used twice` });
    laneIds.set(lane.id, lane.id);
    const d = lane.devices;
    claimPort(d.scanner.port.path, `${lane.id} scanner`, [...path, 'devices', 'scanner', 'port', 'path']);
    if (d.thermometer) {
      claimPort(d.thermometer.port.path, `${lane.id} thermometer`, [
        ...path,
        'devices',
        'thermometer',
        'port',
        'path',
      ]);
    }
    if (d.barrier.kind === 'serial') {
      claimPort(d.barrier.port.path, `${lane.id} barrier`, [...path, 'devices', 'barrier', 'port', 'path']);
    } else {
      for (const [name, line] of Object.entries(d.barrier.lines)) {
        const key = `${d.barrier.chip}:${line}`;
        const prev = gpio.get(key);
        const p = [...path, 'devices', 'barrier', 'lines', name];
        if (prev)
          ctx.addIssue({ code: 'custom', path: p, message: `GPIO line ${key} is already used by ${prev}` });
        else gpio.set(key, `${lane.id} ${name}`);
      }
    }
  }

  // Bays: unique labels; sensors only on bays that exist, each bay at most one sensor.
  const bays = new Set<string>();
  cfg.yard.zones.forEach((zone, zi) => {
    zone.bays.forEach((range, ri) => {
      for (let n = range.from; n <= range.to; n++) {
        const label = bayLabel(range.prefix, n);
        if (bays.has(label)) {
          ctx.addIssue({
            code: 'custom',
            path: ['yard', 'zones', zi, 'bays', ri],
            message: `bay ${label} is defined twice`,
          });
          return;
        }
        bays.add(label);
      }
    });
  });
  const sensed = new Set<string>();
  cfg.yard.baySensorBuses.forEach((bus, bi) => {
    claimPort(bus.port.path, `bay sensor bus ${bus.id}`, ['yard', 'baySensorBuses', bi, 'port', 'path']);
    bus.sensors.forEach((r, ri) => {
      for (let n = r.fromBay; n <= r.toBay; n++) {
        const label = bayLabel(r.bayPrefix, n);
        const path = ['yard', 'baySensorBuses', bi, 'sensors', ri];
        if (!bays.has(label)) {
          ctx.addIssue({ code: 'custom', path, message: `bay ${label} has a sensor but is not in any zone` });
          return;
        }
        if (sensed.has(label)) {
          ctx.addIssue({ code: 'custom', path, message: `bay ${label} has two sensors` });
          return;
        }
        sensed.add(label);
      }
    });
  });
}

/** A bay's label, e.g. `P-0412`. */
export function bayLabel(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}
