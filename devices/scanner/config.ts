import { z } from 'zod';
import { SerialPortSettingsSchema } from '../serial/port-settings.ts';

/** QR scanner, datasheet section 1. */
export const ScannerConfigSchema = z
  .object({
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
