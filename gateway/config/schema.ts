import { z } from 'zod';
import { BarrierConfigSchema } from '../../devices/barrier/config.ts';
import { BaySensorBusConfigSchema } from '../../devices/bay-sensor/config.ts';
import { ScannerConfigSchema } from '../../devices/scanner/config.ts';
import { ThermometerConfigSchema } from '../../devices/thermometer/config.ts';

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
      .describe('Let clients on 127.0.0.1/::1 connect without credentials (demo and bench work)'),
    maxPacketBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024),
  })
  .strict();

export const UplinkConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    url: z.string().default('mqtt://127.0.0.1:1884').describe('Central broker, mqtt:// or mqtts://'),
    clientId: z.string().min(1).optional().describe('Defaults to gatepost-<site id>'),
    username: z.string().optional(),
    password: z.string().optional(),
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    topicPrefix: z.string().default('gatepost'),
    drainRatePerSecond: z.number().int().positive().default(5000).describe('Backlog replay rate limit'),
    reconnectMinMs: z.number().int().positive().default(500),
    reconnectMaxMs: z.number().int().positive().default(30000),
  })
  .strict();

export const StorageConfigSchema = z
  .object({
    path: z.string().default('var/gatepost.db'),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    maxAgeDays: z
      .number()
      .positive()
      .default(90)
      .describe('Delivered records older than this may be reclaimed'),
    alarmRatios: z.tuple([z.number().gt(0).lt(1), z.number().gt(0).lt(1)]).default([0.8, 0.95]),
    groupCommitMs: z.number().nonnegative().default(2).describe('Longest wait to batch rows into one fsync'),
    personalDataRetentionDays: z.number().positive().default(30),
  })
  .strict();

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
