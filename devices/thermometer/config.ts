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
    calibratedAt: z.iso
      .date()
      .optional()
      .describe('The day the thermometer was last calibrated (YYYY-MM-DD, UTC), from its certificate'),
    calibrationIntervalDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe(
        'Calibrate again this many days after calibratedAt; past that the lane raises calibration-overdue (without calibratedAt it is overdue from the start)',
      ),
  })
  .strict();
export type ThermometerConfig = z.infer<typeof ThermometerConfigSchema>;
