import { z } from 'zod';
import { recordSchema } from './record.ts';
import { def } from './topic-def.ts';

/** The data of an `alarm` record of the gateway itself (not of one lane). */
export const GatewayAlarmSchema = z
  .object({
    kind: z.enum(['trust-list', 'clock']),
    message: z.string(),
    active: z.boolean().describe('false when the condition has cleared'),
  })
  .strict();
export type GatewayAlarm = z.infer<typeof GatewayAlarmSchema>;

export const GATEWAY_TOPICS = {
  gatewayAlarm: def({
    pattern: 'gatepost/{site}/gateway/alarm',
    schema: recordSchema(GatewayAlarmSchema),
    retained: false,
    publisher: 'gateway',
    description:
      'An alarm of the gateway itself: the trust list is missing or unreadable (every pass then verifies as untrusted), or it is back. A record of the gateway stream.',
  }),
};
