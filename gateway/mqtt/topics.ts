import type { z } from 'zod';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { CARD_TOPICS } from '../cards/card-topics.ts';
import { DOWNLINK_TOPICS } from '../downlink/downlink-topics.ts';
import { LANE_TOPICS } from '../lanes/lane-topics.ts';
import { YARD_TOPICS } from '../yard/yard-topics.ts';
import { CAMERA_TOPICS } from './camera-topics.ts';
import {
  DeviceErrorDataSchema,
  DeviceHealthSchema,
  GatewayStateSchema,
  ScanDataSchema,
  StorageAlarmDataSchema,
  StorageShedDataSchema,
  StorageStatusSchema,
  UplinkStatusSchema,
} from './gateway-payloads.ts';
import { GATEWAY_TOPICS } from './gateway-records.ts';
import { recordSchema } from './record.ts';
import { def, type TopicDef } from './topic-def.ts';

export type { TopicDef };

/**
 * The topic tree: one entry per topic pattern with its payload schema. This module is the single
 * source of the MQTT contract; docs/mqtt.md is generated from it (`npm run docs:gen`) and a test
 * keeps the two in step. Browser-safe: imports zod only.
 *
 * Patterns use `{name}` for a topic level that varies; `topicFor` fills them in.
 */
export const TOPICS = {
  gatewayState: def({
    pattern: 'gatepost/{site}/gateway/state',
    schema: GatewayStateSchema,
    retained: true,
    publisher: 'gateway',
    description:
      "The gateway is online or offline. Retained; the broker publishes `offline` with reason `lost` as the last will if the gateway disappears. Back on the broker after losing it, the gateway says `online`/`reconnected` and publishes every retained topic of its own again (a restarted embedded broker holds none); a will published late while it is connected (a cluster node sending a dead node's) is answered with `online`/`reconnected` too. A clean stop says `offline`/`shutdown` and disconnects once that has come back from the broker (at most 2 s): the broker has then sent it to its subscribers.",
  }),
  gatewayUplink: def({
    pattern: 'gatepost/{site}/gateway/uplink',
    schema: UplinkStatusSchema,
    retained: true,
    publisher: 'gateway',
    description:
      'Uplink to the central broker: connected or not, backlog (count and age of the oldest record), drain rate. Refreshed every uplink.statusIntervalMs and on every change of connection.',
  }),
  gatewayStorage: def({
    pattern: 'gatepost/{site}/gateway/storage',
    schema: StorageStatusSchema,
    retained: true,
    publisher: 'gateway',
    description:
      'Disk use of the record store and its alarm level (`warning` at 80 %, `critical` at 95 %, `full` at the limit; see docs/storage.md for what gives way). Refreshed every storage.checkIntervalMs and on every level change.',
  }),
  gatewayStorageAlarm: def({
    pattern: 'gatepost/{site}/gateway/storage-alarm',
    schema: recordSchema(StorageAlarmDataSchema),
    retained: false,
    publisher: 'gateway',
    description: 'A record of the gateway stream: the storage alarm level changed.',
  }),
  gatewayStorageShed: def({
    pattern: 'gatepost/{site}/gateway/storage-shed',
    schema: recordSchema(StorageShedDataSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'A record of the gateway stream: undelivered telemetry of a stream was deleted at the disk limit, explaining the gap in its seqs.',
  }),
  gatewayDeviceError: def({
    pattern: 'gatepost/{site}/gateway/device-error',
    schema: recordSchema(DeviceErrorDataSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'A record of the gateway stream: bad input from a bay sensor, its repeats collapsed into one record with a count (docs/storage.md).',
  }),
  laneScan: def({
    pattern: 'gatepost/{site}/lane/{lane}/scan',
    schema: recordSchema(ScanDataSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'A code read by the lane scanner, after it is committed to the store. A record of the lane stream.',
  }),
  laneDeviceError: def({
    pattern: 'gatepost/{site}/lane/{lane}/device-error',
    schema: recordSchema(DeviceErrorDataSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'Bad input from a lane device (an over-long, truncated or invalid code, line noise, a Modbus timeout, ...): counted, recorded, survived.',
  }),
  deviceHealth: def({
    pattern: 'gatepost/{site}/lane/{lane}/device/{device}/health',
    schema: DeviceHealthSchema,
    retained: true,
    publisher: 'gateway',
    description: 'Health of one lane device (scanner, thermometer, barrier): online, offline or degraded.',
  }),
  ...GATEWAY_TOPICS,
  ...DOWNLINK_TOPICS,
  ...LANE_TOPICS,
  ...CAMERA_TOPICS,
  ...YARD_TOPICS,
  ...CARD_TOPICS,
} as const;

export type TopicName = keyof typeof TOPICS;
export type PayloadOf<T extends TopicName> = z.infer<(typeof TOPICS)[T]['schema']>;

/** Fills a pattern's `{name}` levels; each value must be one topic level (no `/`, `+`, `#`). */
export function topicFor(name: TopicName, params: Record<string, string>): string {
  return TOPICS[name].pattern.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = params[key];
    if (v === undefined || v === '' || /[/+#]/.test(v))
      throw new GatepostError(ErrorCode.Internal, `topic ${name}: bad or missing "${key}"`);
    return v;
  });
}

/** The MQTT subscription filter of a pattern (`{name}` levels become `+`). */
export function filterFor(name: TopicName): string {
  return TOPICS[name].pattern.replace(/\{\w+\}/g, '+');
}

/** The topic a record is published on: `gatepost/<site>/<stream>/<type>`. */
export function recordTopic(site: string, stream: string, type: string): string {
  return `gatepost/${site}/${stream}/${type}`;
}
