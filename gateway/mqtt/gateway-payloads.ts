import { z } from 'zod';

/**
 * The payloads of the gateway's own topics in the topic table (topics.ts): its state, the
 * devices' health and errors, the scans, the uplink and the storage. A lane's payloads are beside
 * the lanes (lanes/lane-records.ts, lane-requests.ts), the yard's in yard/yard-payloads.ts, the
 * gateway's alarms and clock in gateway-records.ts. Zod only, browser-safe.
 */

/** Retained state of the gateway itself; also its last will (`offline`, reason `lost`). */
export const GatewayStateSchema = z
  .object({
    state: z.enum(['online', 'offline']),
    at: z.number().int().describe('Epoch ms'),
    reason: z
      .enum(['started', 'reconnected', 'shutdown', 'lost'])
      .describe(
        '`lost` is the last will, sent by the broker; `reconnected`: back on the broker after losing it',
      ),
    version: z.string(),
  })
  .strict();
export type GatewayState = z.infer<typeof GatewayStateSchema>;

/** The data of a `scan` record: one code read by a lane's scanner. */
export const ScanDataSchema = z
  .object({
    lane: z.string(),
    transitId: z.uuid().optional().describe('The transit the code was read for (none in maintenance mode)'),
    kind: z
      .enum(['GP1', 'HC1', 'unverified'])
      .describe('By prefix; the verdict follows in a `verification` record'),
    code: z.string().describe('The code as scanned. Personal data: never logged'),
    bytes: z.number().int().positive(),
  })
  .strict();
export type ScanData = z.infer<typeof ScanDataSchema>;

export function codeKind(code: string): ScanData['kind'] {
  if (code.startsWith('GP1:')) return 'GP1';
  if (code.startsWith('HC1:')) return 'HC1';
  return 'unverified';
}

/** Retained health of one device. */
export const DeviceHealthSchema = z
  .object({
    device: z.string(),
    state: z.enum(['online', 'offline', 'degraded']),
    at: z.number().int(),
    reason: z.string().optional(),
  })
  .strict();
export type DeviceHealth = z.infer<typeof DeviceHealthSchema>;

/** The data of a `device-error` record: bad input from a device, reported and survived. */
export const DeviceErrorDataSchema = z
  .object({
    lane: z.string().optional().describe('The lane, for a lane device (its records are on the lane stream)'),
    device: z.enum([
      'scanner',
      'thermometer',
      'barrier',
      'bay-sensor',
      'plate-camera',
      'thermal-camera',
      'camera-listener',
    ]),
    bayId: z.string().optional().describe('For a bay sensor (gateway stream): the bay of the last error'),
    kind: z
      .string()
      .describe('Short cause: too-long, truncated, invalid-utf8, nul, noise, timeout, crc, exception, ...'),
    errorCode: z.number().int().describe('GatepostError code (200-499 for devices)'),
    message: z.string(),
    bytes: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Bytes discarded with this error (with `count`: by all of them)'),
    count: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'A summary of repeats: this many more errors of the same lane, device, kind and code, between firstAt and lastAt, not recorded one by one',
      ),
    firstAt: z.number().int().optional().describe('With `count`: clock time of the first repeat, epoch ms'),
    lastAt: z.number().int().optional().describe('With `count`: clock time of the last repeat, epoch ms'),
  })
  .strict();
export type DeviceErrorData = z.infer<typeof DeviceErrorDataSchema>;

/** Retained status of the uplink to the central broker. */
export const UplinkStatusSchema = z
  .object({
    connected: z.boolean(),
    since: z.number().int().nullable().describe('Epoch ms when the connection came up or went down'),
    url: z.string().describe('The central broker, without credentials'),
    backlog: z
      .object({
        count: z
          .number()
          .int()
          .nonnegative()
          .describe('Stored records not yet acknowledged by the central broker'),
        oldestAt: z.number().int().nullable().describe('`at` of the oldest of them'),
        ageMs: z.number().int().nonnegative().nullable().describe('How long the oldest has waited'),
      })
      .strict(),
    inFlight: z.number().int().nonnegative().describe('PUBLISHes awaiting their PUBACK'),
    drainRatePerSecond: z.number().nonnegative().describe('Records acknowledged per second, last interval'),
    deliveredTotal: z.number().int().nonnegative().describe('Records acknowledged since the gateway started'),
    reconnects: z.number().int().nonnegative(),
    lastError: z.string().optional(),
    at: z.number().int(),
  })
  .strict();
export type UplinkStatus = z.infer<typeof UplinkStatusSchema>;

export const StorageLevelSchema = z
  .enum(['ok', 'warning', 'critical', 'full'])
  .describe('warning at storage.alarmRatios[0] (80 %), critical at [1] (95 %), full at the limit');
export type StorageLevel = z.infer<typeof StorageLevelSchema>;

/** Retained status of the record store's disk use: the alarm the kiosk banner shows. */
export const StorageStatusSchema = z
  .object({
    level: StorageLevelSchema,
    ratio: z.number().nonnegative().describe('usedBytes / limitBytes'),
    usedBytes: z
      .number()
      .int()
      .nonnegative()
      .describe('Database pages in use plus a fixed WAL allowance (not the WAL file, which swings)'),
    limitBytes: z
      .number()
      .int()
      .nonnegative()
      .describe(
        "storage.maxBytes, or less if the file system has less room (the store's files + available − margin − reserve not held)",
      ),
    fileBytes: z.number().int().nonnegative(),
    walBytes: z.number().int().nonnegative().describe('The WAL file now (for information; not in usedBytes)'),
    diskAvailableBytes: z.number().int().nonnegative().nullable(),
    reserveBytes: z
      .number()
      .int()
      .nonnegative()
      .describe('Slack file held next to the store for reclaiming on a full disk (storage.reserveBytes)'),
    refusingTelemetry: z
      .boolean()
      .describe('At the limit new telemetry is refused; essential records are not, while the disk has room'),
    refusingRecords: z
      .boolean()
      .describe(
        'The disk filled and the reserve was released to reclaim: every new record is refused until it is taken back',
      ),
    reclaimedTotal: z.number().int().nonnegative().describe('Delivered records reclaimed since start'),
    shedTotal: z.number().int().nonnegative().describe('Undelivered telemetry records shed since start'),
    at: z.number().int(),
  })
  .strict();
export type StorageStatus = z.infer<typeof StorageStatusSchema>;

/** The data of a `storage-alarm` record (gateway stream): the storage level changed. */
export const StorageAlarmDataSchema = z
  .object({
    level: StorageLevelSchema,
    previous: StorageLevelSchema,
    ratio: z.number().nonnegative(),
    usedBytes: z.number().int().nonnegative(),
    limitBytes: z.number().int().nonnegative(),
    reason: z
      .enum(['measured', 'disk-full'])
      .optional()
      .describe('disk-full: a write found the disk full before the measure reached the limit'),
  })
  .strict();
export type StorageAlarmData = z.infer<typeof StorageAlarmDataSchema>;

/** The data of a `storage-shed` record (gateway stream): undelivered telemetry deleted at the disk limit. */
export const StorageShedDataSchema = z
  .object({
    stream: z.string(),
    fromSeq: z.number().int().positive(),
    toSeq: z.number().int().positive(),
    count: z
      .number()
      .int()
      .positive()
      .describe('Records deleted in [fromSeq, toSeq]; the other seqs there remain'),
    types: z.array(z.string()),
    reason: z.literal('disk-critical'),
  })
  .strict();
export type StorageShedData = z.infer<typeof StorageShedDataSchema>;
