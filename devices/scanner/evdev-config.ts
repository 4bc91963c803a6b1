import { z } from 'zod';

const resyncDefault = 1000;

/**
 * A keyboard-wedge scanner (USB HID keyboard mode) read from its Linux input device. The code
 * checks are the serial scanner's (length cap, inter-key gap, resync, plausibility); a code
 * ends with Enter or keypad Enter. docs/devices.md "Keyboard-wedge scanner".
 */
export const EvdevScannerConfigSchema = z
  .object({
    kind: z.literal('evdev'),
    path: z
      .string()
      .min(1)
      .describe('The input device, e.g. /dev/input/by-id/usb-Honeywell_Imaging_Metrology_3320g-event-kbd'),
    eventSize: z
      .union([z.literal('auto'), z.literal(16), z.literal(24)])
      .default('auto')
      .describe(
        'Bytes per struct input_event: 24 for a 64-bit gateway (x86_64, arm64), 16 for a 32-bit one (armv7); auto follows process.arch',
      ),
    grab: z
      .boolean()
      .default(true)
      .describe('Grab the device exclusively (EVIOCGRAB) so its keys reach no console or desktop'),
    pollMs: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(4)
      .describe('How often the device is read when idle (Node has no poll() on a character device)'),
    maxCodeBytes: z.number().int().min(1).max(4096).default(4096),
    interByteGapMs: z
      .number()
      .int()
      .positive()
      .default(100)
      .describe('A longer pause between two key presses inside a code cuts it off (kernel event time)'),
    resyncSilenceMs: z
      .number()
      .int()
      .positive()
      .default(resyncDefault)
      .describe('After a code is cut off, keys are its tail until the scanner has been silent this long'),
  })
  .strict();
export type EvdevScannerConfig = z.infer<typeof EvdevScannerConfigSchema>;
