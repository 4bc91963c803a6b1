import type { z } from 'zod';
import { LANE_TOPICS } from '../lanes/lane-topics.ts';
import { DeviceErrorDataSchema, DeviceHealthSchema, GatewayStateSchema, ScanDataSchema } from './payloads.ts';
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
      'The gateway is online or offline. Retained; the broker publishes `offline` with reason `lost` as the last will if the gateway disappears.',
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
  ...LANE_TOPICS,
} as const;

export type TopicName = keyof typeof TOPICS;
export type PayloadOf<T extends TopicName> = z.infer<(typeof TOPICS)[T]['schema']>;

/** Fills a pattern's `{name}` levels; each value must be one topic level (no `/`, `+`, `#`). */
export function topicFor(name: TopicName, params: Record<string, string>): string {
  return TOPICS[name].pattern.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = params[key];
    if (v === undefined || v === '' || /[/+#]/.test(v))
      throw new Error(`topic ${name}: bad or missing "${key}"`);
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
