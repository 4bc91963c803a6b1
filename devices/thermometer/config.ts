import { z } from 'zod';
import { SerialPortSettingsSchema } from '../serial/port-settings.ts';

/** Modbus RTU thermometer, datasheet section 2. */
export const ThermometerConfigSchema = z
  .object({
    port: SerialPortSettingsSchema,
    slaveAddress: z.number().int().min(1).max(247).default(1),
    pollIntervalMs: z.number().int().positive().default(200),
    responseTimeoutMs: z.number().int().positive().default(150),
    offlineAfterFailures: z.number().int().positive().default(5),
    stableWindowMs: z
      .number()
      .int()
      .positive()
      .default(2000)
      .describe('Publish after this long of stable readings'),
    plausibleMinC: z.number().default(30),
    plausibleMaxC: z.number().default(45),
  })
  .strict();
export type ThermometerConfig = z.infer<typeof ThermometerConfigSchema>;
