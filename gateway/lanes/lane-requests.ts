import { z } from 'zod';
import { requestSchema } from '../mqtt/envelope.ts';
import { OutcomeSchema } from './decision-schema.ts';
import { ManualRegistrationSchema } from './lane-records.ts';
import { HandReadingSchema } from './temperature-reading.ts';

/**
 * The staff requests a lane takes, one schema each: a section of the MQTT contract (lane-topics.ts),
 * browser-safe. staff-requests.ts handles them.
 */
export const LANE_REQUESTS = {
  register: requestSchema(ManualRegistrationSchema),
  override: requestSchema(
    z
      .object({ outcome: OutcomeSchema, reason: z.string().min(3).max(200).describe('Why; audited') })
      .strict(),
  ),
  barrier: requestSchema(z.object({ action: z.enum(['open', 'close']) }).strict()),
  mode: requestSchema(
    z.object({ mode: z.enum(['auto', 'maintenance']), reason: z.string().min(3).max(200) }).strict(),
  ),
  reading: requestSchema(HandReadingSchema),
} as const;
export type LaneAction = keyof typeof LANE_REQUESTS;
