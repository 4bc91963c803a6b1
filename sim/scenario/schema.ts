import { z } from 'zod';
import { CAMERA_DEVICES, FAULT_KIND_NAMES, FAULT_KINDS, SERIAL_DEVICES } from '../faults/fault-kinds.ts';
import { PASS_KINDS, type PassKind } from '../passes/pass-mint.ts';
import { DurationRangeSchema, DurationSchema } from './duration.ts';

/**
 * A simulation scenario: seed, time scale, duration, traffic (a default for every lane,
 * overrides per lane, the yard's timings) and a timeline of faults and traffic changes. Loaded
 * from YAML (sim/scenarios/*.yaml); docs/simulator.md describes every field.
 */

const laneId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be a lane id of the site config');
const weight = z.number().min(0);

/** Relative weights of the pass kinds drivers hold; kinds left out weigh 0. */
export const PassMixSchema = z
  .object(
    Object.fromEntries(PASS_KINDS.map((k) => [k, weight.optional()])) as Record<
      PassKind,
      z.ZodOptional<typeof weight>
    >,
  )
  .strict()
  .refine((mix) => Object.values(mix).some((w) => (w ?? 0) > 0), {
    message: 'at least one pass kind must weigh more than 0',
  });
export type PassMix = Partial<Record<PassKind, number>>;

const DEFAULT_PASS_MIX: PassMix = {
  green: 55,
  greenNoTest: 10,
  yellow: 12,
  red: 2,
  expired: 4,
  forged: 2,
  plate: 5,
  hc1: 10,
};

export const BurstSchema = z
  .object({
    every: DurationSchema.describe('Time between bursts'),
    size: z.number().int().min(1).max(200).describe('Trucks arriving together'),
    spacing: DurationRangeSchema.default({ min: 2000, max: 6000 }).describe(
      'Gap between the trucks of a burst',
    ),
  })
  .strict();

const laneTrafficFields = {
  arrivalsPerHour: z.number().min(0).max(3600).describe('Mean rate of random (Poisson) arrivals at the lane'),
  burst: BurstSchema.nullable()
    .optional()
    .describe('Besides random arrivals, `size` trucks at once `every` so often; null turns bursts off'),
  passes: PassMixSchema.describe('Relative weights of the pass kinds drivers hold'),
  feverRate: z.number().min(0).max(1).describe('Share of drivers with a fever (37.5-39.5 °C)'),
  patience: DurationSchema.describe(
    'A truck waits this long at a closed barrier, then backs off the loop (staff take over)',
  ),
  queueMax: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .describe('Trucks queueing at a lane at most; later arrivals turn away'),
};

/** Traffic of every lane unless a lane overrides it. */
export const LaneTrafficSchema = z
  .object({
    arrivalsPerHour: laneTrafficFields.arrivalsPerHour.default(30),
    burst: laneTrafficFields.burst,
    passes: laneTrafficFields.passes.default(DEFAULT_PASS_MIX),
    feverRate: laneTrafficFields.feverRate.default(0.02),
    patience: laneTrafficFields.patience.default(90_000),
    queueMax: laneTrafficFields.queueMax.default(30),
  })
  .strict();
export type LaneTraffic = z.infer<typeof LaneTrafficSchema>;

/** A lane's overrides of the default traffic (and what a timeline `traffic` entry changes). */
export const LaneTrafficOverrideSchema = z.object(laneTrafficFields).partial().strict();
export type LaneTrafficOverride = z.infer<typeof LaneTrafficOverrideSchema>;

export const YardTrafficSchema = z
  .object({
    positiveRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.03)
      .describe('Share of antigen results that are positive'),
    driveToBay: DurationRangeSchema.default({ min: 60_000, max: 180_000 }).describe(
      'From the lane to the bay sensor',
    ),
    sampleAfter: DurationRangeSchema.default({ min: 120_000, max: 360_000 }).describe(
      'From parking to the antigen swab (recorded by the yard staff)',
    ),
    resultAfter: DurationRangeSchema.default({ min: 840_000, max: 960_000 }).describe(
      'From the swab to its result',
    ),
    leaveAfter: DurationRangeSchema.default({ min: 120_000, max: 600_000 }).describe(
      'From a negative result to leaving the bay',
    ),
    isolationStay: DurationRangeSchema.default({ min: 7_200_000, max: 14_400_000 }).describe(
      'How long a positive driver stays in isolation before staff release the truck',
    ),
    pcrAfter: DurationRangeSchema.optional().describe(
      'From the move to isolation to the result of the PCR swab taken there; no PCR when absent',
    ),
    pcrPositiveRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Share of PCR results (after a positive antigen test) that are positive'),
    disinfection: DurationRangeSchema.optional().describe(
      'From the release of an isolated truck to staff unblocking its bay; never when absent',
    ),
    driveToExit: DurationRangeSchema.default({ min: 60_000, max: 120_000 }).describe(
      'From the bay to the yard exit lane',
    ),
    exitLane: laneId
      .optional()
      .describe('The yard exit lane trucks leave by (default: the first of the config)'),
    staffId: z
      .string()
      .min(1)
      .max(32)
      .default('sim-yard')
      .describe('The yard staff id the simulator acts under'),
  })
  .strict();
export type YardTraffic = z.infer<typeof YardTrafficSchema>;

export const LaneStaffSchema = z
  .object({
    reviewAfter: DurationRangeSchema.default({ min: 15_000, max: 40_000 }).describe(
      'From a REVIEW decision to the kiosk staff deciding the transit by hand (keep it under the patience)',
    ),
    outcome: z
      .enum(['PASS', 'YARD'])
      .default('YARD')
      .describe('What the staff decide a REVIEW transit (a test in the yard when in doubt)'),
    staffId: z
      .string()
      .min(1)
      .max(32)
      .default('sim-kiosk')
      .describe('The kiosk staff id the simulator acts under'),
  })
  .strict();
export type LaneStaffTraffic = z.infer<typeof LaneStaffSchema>;

export const TrafficSchema = z
  .object({
    default: LaneTrafficSchema.prefault({}),
    lanes: z.record(laneId, LaneTrafficOverrideSchema).default({}).describe('Per-lane overrides, by lane id'),
    yard: YardTrafficSchema.prefault({}),
    laneStaff: LaneStaffSchema.optional().describe(
      "Staff at the entry lanes' kiosks who decide REVIEW transits by hand (an override); none when absent, and a REVIEW truck waits out its patience",
    ),
  })
  .strict();

const faultFields = {
  at: DurationSchema.describe('When, from the start of the run'),
  fault: z.enum(FAULT_KIND_NAMES),
  lane: laneId.optional(),
  device: z
    .enum([...SERIAL_DEVICES, ...CAMERA_DEVICES])
    .optional()
    .describe(
      'For unplug and noise: which serial device (default scanner); for camera faults: plate or thermal',
    ),
  bus: z.string().min(1).optional().describe('A bay sensor bus id'),
  bay: z.string().min(1).optional().describe('A bay label, e.g. P-0412'),
  for: DurationSchema.optional().describe('How long the fault lasts (default per kind)'),
  bytes: z.number().int().min(1).max(65_536).optional(),
  code: z.number().int().min(1).max(255).optional().describe('Modbus exception code'),
  count: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('bad-crc: this many replies, camera faults: this many pushes, instead of a duration'),
  tempC: z.number().min(-50).max(150).optional().describe('implausible-reading: what the sensor reads'),
  repeat: z
    .object({ every: DurationSchema, times: z.number().int().min(1).max(100_000) })
    .strict()
    .optional()
    .describe('Inject it again every so often, `times` in all'),
};

export const FaultEntrySchema = z
  .object(faultFields)
  .strict()
  .superRefine((e, ctx) => {
    const target = FAULT_KINDS[e.fault].target;
    const need = (field: 'lane' | 'bus' | 'bay', why: string) => {
      if (e[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `${e.fault} needs ${why}` });
    };
    if (target === 'lane') need('lane', 'a lane');
    if (target === 'bus') need('bus', 'a bus');
    if (target === 'bay') need('bay', 'a bay');
    const camera = (CAMERA_DEVICES as readonly string[]).includes(e.device ?? '');
    if (target === 'camera') {
      need('lane', 'a lane');
      if (!camera)
        ctx.addIssue({
          code: 'custom',
          path: ['device'],
          message: `${e.fault} needs device: plate or thermal`,
        });
    } else if (target === 'serial-device') {
      if (camera)
        ctx.addIssue({
          code: 'custom',
          path: ['device'],
          message: `${e.fault} takes a serial device, not a camera`,
        });
      else if (e.device === 'bus' || (e.device === undefined && e.bus !== undefined))
        need('bus', 'a bus with device: bus');
      else need('lane', 'a lane (or bus: with device: bus)');
    } else if (e.device !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['device'], message: `${e.fault} takes no device` });
    }
  });
export type FaultEntry = z.infer<typeof FaultEntrySchema>;

export const TrafficEntrySchema = z
  .object({
    at: DurationSchema.describe('When, from the start of the run'),
    lane: laneId.optional().describe('One lane; every entry lane when absent'),
    traffic: LaneTrafficOverrideSchema.describe('The new traffic from then on'),
  })
  .strict();
export type TrafficEntry = z.infer<typeof TrafficEntrySchema>;

/** A timeline entry: a fault (has `fault`) or a change of traffic (has `traffic`). */
export const TimelineEntrySchema = z.unknown().transform((v, ctx): FaultEntry | TrafficEntry => {
  const isObject = typeof v === 'object' && v !== null;
  const schema = isObject && 'traffic' in v ? TrafficEntrySchema : FaultEntrySchema;
  const parsed = schema.safeParse(v);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
    return z.NEVER;
  }
  return parsed.data;
});
export type TimelineEntry = FaultEntry | TrafficEntry;

export function isFaultEntry(e: TimelineEntry): e is FaultEntry {
  return 'fault' in e;
}

export const ScenarioSchema = z
  .object({
    name: z.string().min(1).max(80).optional(),
    description: z.string().max(2000).optional(),
    seed: z.number().int().optional().describe('Default: simulation.seed of the site config'),
    timeScale: z
      .number()
      .positive()
      .max(10_000)
      .optional()
      .describe('Default: simulation.timeScale of the config'),
    duration: DurationSchema.optional().describe(
      'Stop after this much simulated time; runs until stopped when absent',
    ),
    traffic: TrafficSchema.prefault({}),
    timeline: z.array(TimelineEntrySchema).default([]),
  })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;
