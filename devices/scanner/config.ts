import { z } from 'zod';
import { SerialPortSettingsSchema } from '../serial/port-settings.ts';
import { EvdevScannerConfigSchema } from './evdev-config.ts';

/** QR scanner, datasheet section 1. */
export const ScannerConfigSchema = z
  .object({
    kind: z
      .literal('serial')
      .optional()
      .describe('A scanner on a serial line (RS-232 or USB CDC-ACM virtual COM)'),
    port: SerialPortSettingsSchema,
    terminator: z.enum(['CR', 'LF', 'CRLF']).default('CR').describe('Byte(s) that end each code'),
    stxEtx: z.boolean().default(false).describe('Codes are wrapped in STX 0x02 ... ETX 0x03'),
    maxCodeBytes: z.number().int().min(1).max(4096).default(4096),
    interByteGapMs: z
      .number()
      .int()
      .positive()
      .default(100)
      .describe('A longer gap inside a code cuts it off (real time, at any clock scale)'),
    resyncSilenceMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        'After a code is cut off, what follows is its tail, discarded up to the terminator, until the line has been silent this long (or a burst after a gap begins with GP1:/HC1:)',
      ),
  })
  .strict();
export type ScannerConfig = z.infer<typeof ScannerConfigSchema>;

/** A lane's scanner: on a serial line (the default, `kind` may be left out) or a keyboard-wedge one. */
export const LaneScannerConfigSchema = z.discriminatedUnion('kind', [
  ScannerConfigSchema,
  EvdevScannerConfigSchema,
]);
export type LaneScannerConfig = z.infer<typeof LaneScannerConfigSchema>;
