import { z } from 'zod';

/** How to open one serial line. Prefer `/dev/serial/by-id/...` paths on a real box. */
export const SerialPortSettingsSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .describe('Device path, e.g. /dev/serial/by-id/usb-...; a stable by-id path survives replugging'),
    baudRate: z.number().int().positive().default(9600).describe('Line speed in baud'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  })
  .strict();
export type SerialPortSettings = z.infer<typeof SerialPortSettingsSchema>;
