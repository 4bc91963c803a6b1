import { z } from 'zod';
import { PlateColourSchema } from '../../core/plate-colour.ts';
import { BarrierFailureSchema, BarrierStateSchema, HealthStateSchema } from '../../devices/events.ts';
import { ReasonCodeSchema, StepsSchema } from '../passes/verdict.ts';
import { DecisionReasonSchema, OutcomeSchema } from './decision-schema.ts';
import { ReadingMethodSchema } from './temperature-reading.ts';

/**
 * The data of every record a lane writes, one schema each. A record's type is the key of
 * LANE_RECORDS; its stream is `lane/<lane id>`.
 */
const transitId = z.uuid().describe('The transit this belongs to');
const lane = z.string();

export const TransitStartSchema = z
  .object({
    lane,
    transitId,
    trigger: z.enum(['loop', 'scan', 'measurement', 'manual', 'tailgate', 'sighting']),
    tailgate: z.boolean(),
  })
  .strict();

/**
 * What set a decision off: the input the lane waited for last (a scan, a measurement, the
 * vehicle onto the loop a decided pass waited for, a registration), the lane's timeout, or staff.
 */
export const DecisionTriggerSchema = z.enum([
  'scan',
  'measurement',
  'vehicle',
  'registration',
  'timeout',
  'staff',
  'sighting',
]);
export type DecisionTrigger = z.infer<typeof DecisionTriggerSchema>;

export const TransitEndSchema = z
  .object({
    lane,
    transitId,
    end: z
      .enum(['cleared', 'abandoned', 'interrupted', 'unauthorized'])
      .describe(
        'interrupted: the gateway restarted mid-transit; unauthorized: the vehicle crossed an arm no decision opened',
      ),
    durationMs: z.number().int().nonnegative(),
    outcome: OutcomeSchema.optional(),
    scansRepeated: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Scans of a code this transit already had: counted, not stored again'),
    scansRefused: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Scans of new codes beyond the per-transit budget: refused, not stored'),
  })
  .strict();

/** What the decision rules and the kiosk need of a verdict, without the code itself. */
export const PassSummarySchema = z
  .object({
    kind: z.enum(['GP1', 'HC1', 'unverified']),
    valid: z.boolean(),
    steps: StepsSchema,
    reasons: z.array(ReasonCodeSchema),
    plate: z.string().optional(),
    subject: z.string().optional().describe('Pseudonymous holder id (personal data: never logged)'),
    color: z.enum(['green', 'yellow', 'red']).optional(),
    certificateType: z.enum(['vaccination', 'recovery', 'test', 'native']).optional(),
    origin: z.string().optional().describe("A GP1 pass's origin (region code)"),
    destination: z
      .string()
      .optional()
      .describe("A GP1 pass's destination (`dest`): the route rule checks it"),
    tests: z.array(
      z.object({
        kind: z.enum(['antigen', 'pcr']),
        result: z.enum(['negative', 'positive']),
        at: z.number(),
      }),
    ),
    expiresAt: z.number().optional(),
  })
  .strict();
export type PassSummary = z.infer<typeof PassSummarySchema>;

/** A person's place in the cab: seat 1 is the driver, 2 the co-driver, the rest escorts. */
export const CrewRoleSchema = z.enum(['driver', 'co-driver', 'escort']);
export type CrewRole = z.infer<typeof CrewRoleSchema>;
const seat = z
  .number()
  .int()
  .min(1)
  .max(8)
  .describe('The person in the transit, in the order they joined it (1: the driver)');

export const VerificationSchema = z
  .object({
    lane,
    transitId,
    pass: PassSummarySchema,
    replayed: z.boolean(),
    seat: seat.optional().describe('The person the pass belongs to (absent in records before crews)'),
  })
  .strict()
  .describe('The verdict on the pass scanned for a transit (the scan record before it holds the code)');

export const MeasurementRecordSchema = z
  .object({
    lane,
    transitId,
    objectC: z.number().describe('The temperature, °C'),
    method: ReadingMethodSchema.optional().describe(
      "Where it came from: `screening` the lane's thermometer, `camera` a thermal camera (pushed, with `camera`, or entered by hand), else taken by hand and entered by `staffId` (absent in records written before the field was: screening)",
    ),
    camera: z.string().optional().describe('The thermal camera that pushed it (its id in the config)'),
    ambientC: z.number().optional().describe('The ambient temperature of a screening reading, °C'),
    readings: z.number().int().optional().describe('How many polls a screening reading is the median of'),
    staffId: z.string().optional().describe('Who entered a reading taken by hand'),
    seat: z.number().int().positive().optional().describe('The person of the crew who took it'),
    entered: z
      .object({ value: z.number(), unit: z.enum(['C', 'F']) })
      .strict()
      .optional()
      .describe('A reading entered in °F, as entered (objectC is it converted)'),
  })
  .strict();

export const ManualRegistrationSchema = z
  .object({
    plate: z.string().min(1).max(16),
    plateColour: PlateColourSchema.optional(),
    trailerPlate: z.string().min(1).max(16).optional().describe("The trailer's own plate, if it has one"),
    name: z.string().min(1).max(64),
    idNumber: z.string().min(4).max(32),
    origin: z.string().max(64).optional(),
    destination: z.string().max(64).optional(),
  })
  .strict();
export type ManualRegistration = z.infer<typeof ManualRegistrationSchema>;

/** One person of a decision: their facts and what the rules made of them alone. */
export const CrewPersonSchema = z
  .object({
    seat,
    role: CrewRoleSchema,
    outcome: OutcomeSchema.describe("This person's outcome; the transit's is the worst of all persons'"),
    reasons: z.array(DecisionReasonSchema),
    temperatureC: z.number().optional(),
    pass: PassSummarySchema.optional(),
    manual: ManualRegistrationSchema.optional(),
  })
  .strict();
export type CrewPerson = z.infer<typeof CrewPersonSchema>;

/**
 * A truck the central office announced ahead (报备), as a decision shows it: the announcement's
 * id, plate, route, validity and crew (roles and names; ID numbers stay in the downlink's table).
 */
export const PreRegisteredTruckSchema = z
  .object({
    id: z.string(),
    plate: z.string(),
    plateColour: PlateColourSchema.optional(),
    crew: z.array(z.object({ role: z.string(), name: z.string().optional() }).strict()).max(4),
    origin: z.string().optional(),
    destination: z.string().optional(),
    validFrom: z.number().int().describe('Epoch seconds'),
    validUntil: z.number().int().describe('Epoch seconds'),
    note: z.string().optional(),
  })
  .strict();
export type PreRegisteredTruck = z.infer<typeof PreRegisteredTruckSchema>;

export const DecisionRecordSchema = z
  .object({
    lane,
    transitId,
    outcome: OutcomeSchema,
    reasons: z.array(DecisionReasonSchema),
    by: z.enum(['rules', 'staff']),
    staffId: z.string().optional(),
    trigger: DecisionTriggerSchema.optional().describe(
      'What set this decision off (absent in records written before the field was)',
    ),
    plate: z.string().optional(),
    plateColour: PlateColourSchema.optional(),
    trailerPlate: z.string().optional(),
    temperatureC: z.number().optional().describe("The highest of the crew; each person's is in `persons`"),
    pass: PassSummarySchema.optional().describe("The driver's (seat 1); each person's is in `persons`"),
    manual: ManualRegistrationSchema.optional().describe(
      'The first registration by hand in the cab; ID number kept as configured (passes.idNumbers)',
    ),
    persons: z
      .array(CrewPersonSchema)
      .max(8)
      .optional()
      .describe('Every person in the cab, seat order (absent in records written before crews)'),
    bay: z.string().optional().describe('The yard bay reserved for YARD and ISOLATE'),
    sighting: z
      .object({ camera: z.string(), plate: z.string(), colour: PlateColourSchema, at: z.number().int() })
      .strict()
      .optional()
      .describe("The plate camera's read of the vehicle (its plate and colour), if a camera read it"),
    preRegistration: PreRegisteredTruckSchema.optional().describe(
      'The announcement a truck without a pass was found by (reason pre-registered)',
    ),
  })
  .strict();
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;

export const BarrierRecordSchema = z
  .object({
    lane,
    transitId: transitId.optional(),
    action: z.enum(['open', 'close']),
    by: z
      .enum(['decision', 'staff', 'barrier'])
      .describe(
        'barrier: a movement the lane did not command, as the driver reported it (its auto-close, or a button or crank at the post); `reason` says why',
      ),
    staffId: z.string().optional(),
    ok: z.boolean(),
    state: BarrierStateSchema,
    failure: BarrierFailureSchema.optional(),
    reason: z.string().optional(),
  })
  .strict();

export const ALARM_KINDS = [
  'fever',
  'isolate',
  'tailgate',
  'barrier-fault',
  'device-offline',
  'yard-full',
  'pass-replayed',
  'trust-list',
  'barrier-unexpected-open',
  'unauthorized-passage',
  'scan-budget',
  'calibration-overdue',
  'detector-stuck',
] as const;
/**
 * The facts of an alarm, for the pages to word it in the screen's language (the plate, the
 * temperature, the device, a reason code): a few short values, never free text from staff.
 */
export const AlarmParamsSchema = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/), z.union([z.string().max(64), z.number()]))
  .refine((r) => Object.keys(r).length <= 8, 'at most 8 params')
  .describe('Codes and values the pages word the alarm from (e.g. plate, temperatureC, device)');
export type AlarmParams = z.infer<typeof AlarmParamsSchema>;

export const AlarmSchema = z
  .object({
    lane,
    transitId: transitId.optional(),
    kind: z.enum(ALARM_KINDS),
    message: z.string().describe('English, for logs; the pages word the alarm from `kind` and `params`'),
    params: AlarmParamsSchema.optional(),
    active: z
      .boolean()
      .optional()
      .describe('For a condition that lasts (barrier-unexpected-open): true when raised, false when cleared'),
  })
  .strict();
export type Alarm = z.infer<typeof AlarmSchema>;

export const StaffActionSchema = z
  .object({
    lane,
    action: z.enum(['register', 'override', 'barrier', 'mode', 'reading']),
    staffId: z.string(),
    transaction: z.string(),
    ok: z.boolean(),
    detail: z.string(),
  })
  .strict()
  .describe('Audit entry for every staff request, accepted or refused');

export const LaneModeSchema = z.enum(['auto', 'manual', 'maintenance']);
export type LaneMode = z.infer<typeof LaneModeSchema>;

/** Retained picture of a lane for the kiosk: what is happening now. */
export const LaneStateSchema = z
  .object({
    lane,
    mode: LaneModeSchema.describe('manual: a device fault keeps the barrier shut until staff act'),
    modeReason: z.string().optional(),
    barrier: BarrierStateSchema,
    devices: z.record(z.string(), HealthStateSchema),
    calibration: z
      .object({
        thermometer: z
          .object({
            calibratedAt: z.string().optional(),
            dueAt: z.number().describe('When the next calibration is due, epoch ms (0: no calibratedAt)'),
            overdue: z.boolean(),
          })
          .strict(),
      })
      .strict()
      .optional()
      .describe("The thermometer's calibration, when its config names an interval"),
    transit: z
      .object({
        transitId,
        startedAt: z.number(),
        tailgate: z.boolean(),
        pass: PassSummarySchema.optional().describe("The driver's (seat 1)"),
        manual: z.boolean(),
        temperatureC: z.number().optional().describe('The highest of the crew'),
        plate: z.string().optional(),
        plateColour: PlateColourSchema.optional(),
        trailerPlate: z.string().optional(),
        persons: z
          .array(
            z
              .object({
                seat,
                role: CrewRoleSchema,
                pass: PassSummarySchema.optional(),
                manual: z.boolean(),
                temperatureC: z.number().optional(),
                outcome: OutcomeSchema.optional(),
                reasons: z.array(DecisionReasonSchema).optional(),
              })
              .strict(),
          )
          .max(8)
          .optional()
          .describe('Each person in the cab, seat order, with their own outcome once decided'),
        decision: z
          .object({
            outcome: OutcomeSchema,
            reasons: z.array(DecisionReasonSchema),
            bay: z.string().optional(),
          })
          .optional(),
      })
      .strict()
      .optional(),
    at: z.number(),
  })
  .strict();
export type LaneState = z.infer<typeof LaneStateSchema>;

export const LANE_RECORDS = {
  'transit-start': TransitStartSchema,
  verification: VerificationSchema,
  measurement: MeasurementRecordSchema,
  decision: DecisionRecordSchema,
  barrier: BarrierRecordSchema,
  alarm: AlarmSchema,
  'staff-action': StaffActionSchema,
  'transit-end': TransitEndSchema,
} as const;
export type LaneRecordType = keyof typeof LANE_RECORDS;
export type LaneRecordData<T extends LaneRecordType> = z.infer<(typeof LANE_RECORDS)[T]>;
