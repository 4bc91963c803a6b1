import { z } from 'zod';
import { SerialPortSettingsSchema } from '../serial/port-settings.ts';

const gpioLine = z.number().int().min(0).max(1023);

/** Timing and safety rules shared by both barrier kinds (datasheet section 3). */
const BarrierTimingShape = {
  travelTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(6000)
    .describe('Fault if the commanded limit is not reached in time'),
  autoCloseAfterClearMs: z.number().int().nonnegative().default(2000),
  closeIfNoVehicleMs: z.number().int().positive().default(30000),
};

export const GpioBarrierConfigSchema = z
  .object({
    kind: z.literal('gpio'),
    chip: z
      .string()
      .default('gpiochip0')
      .describe('GPIO chip name; "virtual" chips are used by the simulator'),
    lines: z
      .object({
        open: gpioLine,
        close: gpioLine,
        limitOpen: gpioLine,
        limitClosed: gpioLine,
        loop: gpioLine,
      })
      .strict(),
    activeHigh: z.boolean().default(true),
    pulseMs: z.number().int().positive().default(300),
    debounceMs: z.number().int().nonnegative().default(20),
    ...BarrierTimingShape,
  })
  .strict();

export const SerialBarrierConfigSchema = z
  .object({
    kind: z.literal('serial'),
    port: SerialPortSettingsSchema,
    replyTimeoutMs: z.number().int().positive().default(500),
    statusIntervalMs: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe('How often to ask STATUS, so a barrier that stopped answering shows offline'),
    ...BarrierTimingShape,
  })
  .strict();

export const BarrierConfigSchema = z.discriminatedUnion('kind', [
  GpioBarrierConfigSchema,
  SerialBarrierConfigSchema,
]);
export type BarrierConfig = z.infer<typeof BarrierConfigSchema>;
export type GpioBarrierConfig = z.infer<typeof GpioBarrierConfigSchema>;
export type SerialBarrierConfig = z.infer<typeof SerialBarrierConfigSchema>;
