import { z } from 'zod';
import { SerialPortSettingsSchema } from '../serial/port-settings.ts';

const gpioLine = z.number().int().min(0).max(1023);

const detectorName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,23}$/, 'lower-case letters, digits and -, up to 24')
  .describe("The detector's name, in logs and alarms");
const DetectorKindSchema = z
  .enum(['loop', 'photo-eye'])
  .default('loop')
  .describe('loop: an inductive loop under the arm; photo-eye: a light beam across the lane at the arm');
/** A field of the serial barrier's extended ST line (docs/devices.md): upper case, up to 4 characters. */
const statusField = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{0,3}$/, 'an ST field name: upper case letters and digits, up to 4')
  .describe('The field of the ST line that reports this input (LOOP, or an extension such as PE1)');

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
  trailerGapMs: z
    .number()
    .int()
    .nonnegative()
    .max(10000)
    .default(1500)
    .describe(
      'Every detector low for less than this is the gap between a tractor and its trailer: not cleared, no new transit, no tailgate (0: a drop clears at once)',
    ),
  stuckAfterMs: z
    .number()
    .int()
    .nonnegative()
    .default(300000)
    .describe('A detector high for longer than this raises a detector-stuck alarm (0: never)'),
};

/** Names unique over every detector of a barrier; `key` (line or field) unique too. */
function checkDetectors(
  all: { name: string; key: string | number; where: (string | number)[] }[],
  ctx: z.RefinementCtx,
  keyName: string,
): void {
  const names = new Set<string>();
  const keys = new Set<string | number>();
  for (const d of all) {
    if (names.has(d.name))
      ctx.addIssue({ code: 'custom', path: d.where, message: `detector name ${d.name} used twice` });
    if (keys.has(d.key))
      ctx.addIssue({ code: 'custom', path: d.where, message: `${keyName} ${d.key} used by two detectors` });
    names.add(d.name);
    keys.add(d.key);
  }
}

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
        loop: gpioLine
          .optional()
          .describe(
            'One safety loop, as configs before `presence` said it: the same as presence [{ name: loop, line }]',
          ),
      })
      .strict(),
    presence: z
      .array(z.object({ name: detectorName, kind: DetectorKindSchema, line: gpioLine }).strict())
      .min(1)
      .max(8)
      .optional()
      .describe('Safety loops and photo-eyes at the arm: while any is high the arm never closes'),
    arming: z
      .object({ name: detectorName.default('arming'), line: gpioLine })
      .strict()
      .optional()
      .describe('A loop before the barrier: a truck is at the lane'),
    reset: z
      .object({ name: detectorName.default('reset'), line: gpioLine })
      .strict()
      .optional()
      .describe('A loop past the arm: when it drops with nothing else high, the truck has left'),
    activeHigh: z.boolean().default(true),
    pulseMs: z.number().int().positive().default(300),
    debounceMs: z.number().int().nonnegative().default(20),
    ...BarrierTimingShape,
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.lines.loop === undefined) === (b.presence === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['presence'],
        message:
          'give the presence inputs either as presence: [...] or as lines.loop (one loop), not both or neither',
      });
    const l = b.lines;
    const all = [
      ...[l.open, l.close, l.limitOpen, l.limitClosed].map((line, i) => ({
        name: `(${['open', 'close', 'limitOpen', 'limitClosed'][i]})`,
        key: line,
        where: ['lines'],
      })),
      ...(l.loop === undefined ? [] : [{ name: 'loop', key: l.loop, where: ['lines', 'loop'] }]),
      ...(b.presence ?? []).map((d, i) => ({ name: d.name, key: d.line, where: ['presence', i] })),
      ...(b.arming ? [{ name: b.arming.name, key: b.arming.line, where: ['arming'] }] : []),
      ...(b.reset ? [{ name: b.reset.name, key: b.reset.line, where: ['reset'] }] : []),
    ];
    checkDetectors(all, ctx, 'GPIO line');
  });

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
    presence: z
      .array(z.object({ name: detectorName, kind: DetectorKindSchema, field: statusField }).strict())
      .min(1)
      .max(6)
      .default([{ name: 'loop', kind: 'loop', field: 'LOOP' }])
      .describe('Safety loops and photo-eyes the controller reports in its ST line (LOOP is its own loop)'),
    arming: z
      .object({ name: detectorName.default('arming'), field: statusField })
      .strict()
      .optional()
      .describe('A loop before the barrier, reported in the ST line'),
    reset: z
      .object({ name: detectorName.default('reset'), field: statusField })
      .strict()
      .optional()
      .describe('A loop past the arm, reported in the ST line'),
    ...BarrierTimingShape,
  })
  .strict()
  .superRefine((b, ctx) => {
    const all = [
      ...b.presence.map((d, i) => ({ name: d.name, key: d.field, where: ['presence', i] })),
      ...(b.arming ? [{ name: b.arming.name, key: b.arming.field, where: ['arming'] }] : []),
      ...(b.reset ? [{ name: b.reset.name, key: b.reset.field, where: ['reset'] }] : []),
    ];
    checkDetectors(all, ctx, 'ST field');
    // The ST line is at most 64 bytes: `ST CLOSING LOOP=0` and 6 fields of ` XXXX=0`.
    if (all.filter((d) => d.key !== 'LOOP').length > 6)
      ctx.addIssue({ code: 'custom', path: ['presence'], message: 'at most 6 ST fields besides LOOP' });
  });

export const BarrierConfigSchema = z.discriminatedUnion('kind', [
  GpioBarrierConfigSchema,
  SerialBarrierConfigSchema,
]);
export type BarrierConfig = z.infer<typeof BarrierConfigSchema>;
export type GpioBarrierConfig = z.infer<typeof GpioBarrierConfigSchema>;
export type SerialBarrierConfig = z.infer<typeof SerialBarrierConfigSchema>;
