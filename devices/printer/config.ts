import { z } from 'zod';

/**
 * One ESC/POS receipt printer's connection and timings (docs/devices.md, receipt printer). The
 * site config's `printers` entries (site-config/printer-config.ts) add their id and what they
 * serve to this.
 *
 * - `serial`: an RS-232 printer or a USB-serial adapter, 9600 8N1 by default (the printer's DIP
 *   switches or memory switches set its speed; both ends must agree).
 * - `usblp`: a USB printer through the Linux usblp driver, a character device opened for reading
 *   and writing (status replies are read back from it).
 */
const timings = {
  statusPollMs: z
    .number()
    .int()
    .min(200)
    .max(600_000)
    .default(5000)
    .describe('Ask the printer for its status this often (every second while it is not online)'),
  replyTimeoutMs: z
    .number()
    .int()
    .min(50)
    .max(10_000)
    .default(500)
    .describe('A status request (DLE EOT) not answered in this long is a failure'),
  printTimeoutMs: z
    .number()
    .int()
    .min(500)
    .max(120_000)
    .default(10_000)
    .describe(
      'After sending a receipt, wait this long for the status that confirms it, beyond the time its bytes take on a serial line',
    ),
  maxQueued: z
    .number()
    .int()
    .min(0)
    .max(16)
    .default(4)
    .describe('Receipts that may wait while one prints; one more is refused as busy'),
};

export const SerialPrinterConfigSchema = z
  .object({
    transport: z.literal('serial'),
    path: z
      .string()
      .min(1)
      .describe('Serial device, e.g. /dev/serial/by-id/usb-...; a by-id path survives replugging'),
    baudRate: z.number().int().positive().default(9600).describe('Line speed in baud (8N1)'),
    ...timings,
  })
  .strict();

export const UsblpPrinterConfigSchema = z
  .object({
    transport: z.literal('usblp'),
    path: z.string().min(1).default('/dev/usb/lp0').describe('The usblp character device'),
    ...timings,
  })
  .strict();

export const PrinterDeviceConfigSchema = z.discriminatedUnion('transport', [
  SerialPrinterConfigSchema,
  UsblpPrinterConfigSchema,
]);
export type PrinterDeviceConfig = z.infer<typeof PrinterDeviceConfigSchema>;
export type PrinterDeviceConfigInput = z.input<typeof PrinterDeviceConfigSchema>;
