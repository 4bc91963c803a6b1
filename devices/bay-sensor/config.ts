import { z } from 'zod';
import { SerialPortSettingsSchema } from '../serial/port-settings.ts';

/** A run of consecutive bays whose sensors have consecutive slave addresses. */
export const SensorRangeSchema = z
  .object({
    bayPrefix: z.string().regex(/^[A-Z]{1,3}$/),
    fromBay: z.number().int().positive(),
    toBay: z.number().int().positive(),
    firstAddress: z.number().int().min(1).max(247),
  })
  .strict()
  .refine((r) => r.toBay >= r.fromBay, { message: 'toBay must not be below fromBay' })
  .refine((r) => r.firstAddress + (r.toBay - r.fromBay) <= 247, {
    message: 'the range needs slave addresses above 247; split it over two buses',
  });

/** One multi-drop RS-485 bus of bay occupancy sensors, datasheet section 5. */
export const BaySensorBusConfigSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    port: SerialPortSettingsSchema.extend({ baudRate: z.number().int().positive().default(19200) }),
    responseTimeoutMs: z.number().int().positive().default(50),
    offlineAfterFailures: z.number().int().positive().default(3),
    sensors: z.array(SensorRangeSchema).min(1),
  })
  .strict();
export type BaySensorBusConfig = z.infer<typeof BaySensorBusConfigSchema>;
