import { z } from 'zod';
import { BaySensorBusConfigSchema } from '../devices/bay-sensor/config.ts';
import { ConfigIdSchema as id } from './config-id.ts';
import { LaneConfigSchema } from './lane-config.ts';

/** The `yard` section: its zones and truck bays, exit lanes and bay sensors. */
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

/**
 * Zones a yard may have. The yard summary carries a line of counts per zone (~15 JSON items
 * each), and the web pages refuse a message of over 2,000 items (PAGE_MESSAGE_BUDGET in
 * gateway/web/client/shared/topic-router.ts): at 100 zones the summary is ~1,535 items.
 */
export const MAX_ZONES = 100;

export const YardConfigSchema = z
  .object({
    zones: z.array(ZoneConfigSchema).min(1).max(MAX_ZONES),
    assignmentPolicy: z.enum(['nearest-gate', 'fill-rows']).default('nearest-gate'),
    reservationTimeoutMin: z.number().positive().default(30),
    antigenResultMin: z.number().positive().default(15),
    pcrResultMin: z.number().positive().default(360),
    handoverOverdueMinutes: z.number().positive().default(120),
    exitLanes: z.array(LaneConfigSchema).default([]),
    baySensorBuses: z.array(BaySensorBusConfigSchema).default([]),
  })
  .strict();

/** A bay's label, e.g. `P-0412`. */
export function bayLabel(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}
