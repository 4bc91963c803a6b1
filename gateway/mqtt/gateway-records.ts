import { z } from 'zod';
import { AlarmParamsSchema } from '../lanes/lane-records.ts';
import { recordSchema } from './record.ts';
import { def } from './topic-def.ts';

/** The data of an `alarm` record of the gateway itself (not of one lane). */
export const GatewayAlarmSchema = z
  .object({
    kind: z.enum(['trust-list', 'clock', 'downlink']),
    message: z.string().describe('English, for logs; the pages word the alarm from `kind` and `params`'),
    params: AlarmParamsSchema.optional(),
    active: z.boolean().describe('false when the condition has cleared'),
  })
  .strict();
export type GatewayAlarm = z.infer<typeof GatewayAlarmSchema>;

/** Retained result of the clock check (gateway/ops/clock-check.ts). */
export const ClockStatusSchema = z
  .object({
    state: z
      .enum(['synchronised', 'unverified', 'unsynchronised'])
      .describe('unsynchronised raises a `clock` alarm: pass expiry and yard timers cannot be trusted'),
    reason: z.string(),
    ntpSynchronized: z
      .boolean()
      .nullable()
      .describe('From `timedatectl show`; null where it is not available'),
    rtc: z.boolean().nullable().describe('Whether the box has a battery-backed real-time clock'),
    newestRecordAt: z
      .number()
      .int()
      .nullable()
      .describe('`at` of the newest record stored before this start'),
    at: z.number().int(),
  })
  .strict();
export type ClockStatus = z.infer<typeof ClockStatusSchema>;

export const GATEWAY_TOPICS = {
  gatewayAlarm: def({
    pattern: 'gatepost/{site}/gateway/alarm',
    schema: recordSchema(GatewayAlarmSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'An alarm of the gateway itself: the trust list is missing or unreadable (every pass then verifies as untrusted), or it is back; the clock is not synchronised (kind `clock`), or it is again; a downlink envelope from the central office was refused (kind `downlink`, docs/downlink.md). A record of the gateway stream.',
  }),
  gatewayClock: def({
    pattern: 'gatepost/{site}/gateway/clock',
    schema: ClockStatusSchema,
    retained: true,
    publisher: 'gateway',
    description:
      'The clock check: 2 s after the gateway’s parts started, then every minute the wall clock is compared with the newest stored record and with NTP (`timedatectl`). Retained.',
  }),
};
