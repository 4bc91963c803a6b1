import { z } from 'zod';
import { PlateColourSchema } from '../../core/plate-colour.ts';
import {
  EscortViewSchema,
  HANDOVER_ALERT_KINDS,
  HANDOVER_RECORDS,
  HANDOVER_REQUEST_DATA,
  HandoverSchema,
  HandoverViewSchema,
} from './handover/handover-payloads.ts';
import { ActorSchema, BayIdSchema, TransactionSchema } from './yard-basics.ts';

export { type Actor, ActorSchema, BayIdSchema } from './yard-basics.ts';

/**
 * The yard's MQTT contract and its records, one zod schema each: the retained bay and summary
 * topics, the coordinators' requests and replies, and the data of every record of the `yard`
 * stream. Browser-safe: imports zod only, so the pages can share it through gateway/mqtt/topics.ts.
 */

export const BAY_STATES = [
  'free',
  'reserved',
  'occupied',
  'sampled',
  'overdue',
  'cleared',
  'isolation',
  'blocked',
] as const;
export const BayStateSchema = z
  .enum(BAY_STATES)
  .describe(
    'free; reserved (assigned, truck on its way); occupied; sampled (awaiting a result); overdue (a result is late); cleared (may leave); isolation; blocked (disinfection, maintenance)',
  );
export type BayState = z.infer<typeof BayStateSchema>;

/** The zone kinds that have truck bays. */
export const TRUCK_ZONE_KINDS = ['parking', 'isolation', 'handover'] as const;
export const TruckZoneKindSchema = z.enum(TRUCK_ZONE_KINDS);
export type TruckZoneKind = z.infer<typeof TruckZoneKindSchema>;

export const SampleKindSchema = z.enum(['antigen', 'pcr']);
export type SampleKind = z.infer<typeof SampleKindSchema>;
export const TestResultSchema = z.enum(['negative', 'positive']);
export type TestResult = z.infer<typeof TestResultSchema>;
export const BlockReasonSchema = z.enum(['disinfection', 'maintenance', 'other']);
export type BlockReason = z.infer<typeof BlockReasonSchema>;

/** At most this many samples per truck visit (a cap on what one visit may grow to). */
export const MAX_SAMPLES = 10;

const epoch = z.number().int().describe('Epoch ms');
const id = z.string().min(1).max(64);
const plate = z.string().trim().min(1).max(16).describe('Licence plate as registered');
const subject = z
  .string()
  .min(1)
  .max(128)
  .describe('Pseudonymous pass holder id (personal data: never logged)');
const text = z.string().max(200);
const staffId = z.string().min(1).max(64).describe('Staff ID of the coordinator (audited)');
const transaction = TransactionSchema;

// ---- the model, as stored in records and snapshots -------------------------------------------

export const SampleSchema = z
  .object({
    id,
    kind: SampleKindSchema,
    at: epoch.describe('When the swab was taken'),
    dueAt: epoch.describe('When its result is due'),
    overdue: z.boolean().describe('The due time passed without a result'),
    result: TestResultSchema.optional(),
    resultAt: epoch.optional(),
  })
  .strict();
export type Sample = z.infer<typeof SampleSchema>;

/** What is known of a truck and its driver when a bay is reserved for it. */
export const VisitSeedSchema = z
  .object({
    id: id.describe('Visit id: one truck, one stay in the yard'),
    plate: plate.optional(),
    plateColour: PlateColourSchema.optional().describe(
      "The plate's colour: with the plate, the vehicle (absent: not known, or a visit before colours)",
    ),
    subject: subject.optional(),
    origin: text.optional(),
    destination: text.optional(),
    lane: z.string().max(64).optional().describe('The lane that sent it'),
    transitId: z.string().max(64).optional().describe("The lane's transit"),
    reason: text.describe('Why it is in the yard (the decision reason)'),
    intent: z.enum(['yard', 'isolate', 'coordinator']),
  })
  .strict();
export type VisitSeed = z.infer<typeof VisitSeedSchema>;

export const VisitSchema = VisitSeedSchema.extend({
  reservedAt: epoch,
  expiresAt: epoch.describe('The reservation lapses unless the truck arrives by then'),
  arrivedAt: epoch.optional(),
  isolated: z.boolean().describe('Sent to isolation, or tested positive'),
  samples: z.array(SampleSchema).max(MAX_SAMPLES),
  bays: z.array(BayIdSchema).min(1).describe('Bays held, in order (moves append)'),
  handover: HandoverSchema.optional().describe('Its last point-to-point hand-over (handover zone)'),
}).strict();
export type Visit = z.infer<typeof VisitSchema>;

export const BlockSchema = z.object({ reason: BlockReasonSchema, note: text.optional() }).strict();
export type Block = z.infer<typeof BlockSchema>;

/** One bay's stored state. */
export const BaySnapshotSchema = z
  .object({
    bay: BayIdSchema,
    state: BayStateSchema,
    since: epoch,
    visit: VisitSchema.optional(),
    block: BlockSchema.optional(),
  })
  .strict();
export type BaySnapshot = z.infer<typeof BaySnapshotSchema>;

// ---- records of the `yard` stream --------------------------------------------------------------

const bay = BayIdSchema;
const visitId = id;
const by = ActorSchema;

export const ALERT_KINDS = [
  'zone-full',
  'result-overdue',
  'positive-result',
  'sensor-mismatch',
  'sensor-mismatch-resolved',
  ...HANDOVER_ALERT_KINDS,
] as const;

export const YARD_RECORDS = {
  'bay-reserved': z.object({ bay, visit: VisitSeedSchema, expiresAt: epoch, by }).strict(),
  'truck-arrived': z.object({ bay, visitId, by }).strict(),
  'reservation-expired': z.object({ bay, visitId, by }).strict(),
  'sample-recorded': z
    .object({ bay, visitId, sampleId: id, kind: SampleKindSchema, dueAt: epoch, by })
    .strict(),
  'result-overdue': z.object({ bay, visitId, sampleId: id, kind: SampleKindSchema, dueAt: epoch }).strict(),
  'result-recorded': z
    .object({ bay, visitId, sampleId: id, kind: SampleKindSchema, result: TestResultSchema, by })
    .strict(),
  'truck-moved': z.object({ from: bay, to: bay, visitId, reason: text.optional(), by }).strict(),
  'bay-released': z.object({ bay, visitId, reason: text, by }).strict(),
  'truck-exited': z
    .object({
      bay,
      visitId,
      lane: z.string().max(64),
      transitId: id.optional(),
      escort: EscortViewSchema.optional().describe('Left under escort after a closed hand-over'),
      handoverId: id.optional(),
      by,
    })
    .strict(),
  'bay-blocked': z.object({ bay, reason: BlockReasonSchema, note: text.optional(), by }).strict(),
  'bay-unblocked': z.object({ bay, by }).strict(),
  alert: z
    .object({
      kind: z.enum(ALERT_KINDS),
      message: text,
      bay: bay.optional(),
      visitId: visitId.optional(),
      plate: plate.optional(),
      zoneKind: TruckZoneKindSchema.optional(),
      lane: z.string().max(64).optional(),
      suggestedBay: bay.optional().describe('Where to put the truck (e.g. an isolation bay)'),
    })
    .strict()
    .describe('Something a coordinator must see now'),
  'request-refused': z
    .object({
      action: z.string().max(32),
      staffId,
      transaction: transaction.optional(),
      bay: bay.optional(),
      errorCode: z.number().int(),
      reason: z.string().max(64),
      message: text,
    })
    .strict()
    .describe('Audit entry of a coordinator request that was refused'),
  snapshot: z
    .object({
      snapshotId: id,
      part: z.number().int().positive(),
      parts: z.number().int().positive(),
      cursors: z.record(z.string(), bay),
      bays: z.array(BaySnapshotSchema).max(200),
    })
    .strict()
    .describe('The whole yard, in parts of consecutive records; a restart replays from the last one'),
  ...HANDOVER_RECORDS,
} as const;
export type YardRecordType = keyof typeof YARD_RECORDS;
export type YardRecordData<T extends YardRecordType> = z.infer<(typeof YARD_RECORDS)[T]>;
export type AlertData = YardRecordData<'alert'>;

// ---- retained state ------------------------------------------------------------------------------

export const SensorViewSchema = z
  .object({
    state: z.enum(['none', 'unknown', 'online', 'offline']).describe('none: the bay has no sensor'),
    occupied: z.boolean().optional(),
    mismatch: z
      .enum(['truck-in-empty-bay', 'bay-empty'])
      .optional()
      .describe('The sensor disagrees with the records'),
  })
  .strict();
export type SensorView = z.infer<typeof SensorViewSchema>;

export const BayViewSchema = z
  .object({
    bay,
    zone: z.string(),
    zoneKind: TruckZoneKindSchema,
    state: BayStateSchema,
    since: epoch,
    truck: z
      .object({
        visitId,
        plate: plate.optional(),
        intent: VisitSeedSchema.shape.intent,
        lane: z.string().optional(),
        reservedAt: epoch,
        expiresAt: epoch.optional().describe('Only while reserved'),
        arrivedAt: epoch.optional(),
        isolated: z.boolean(),
        samples: z.array(SampleSchema),
      })
      .strict()
      .optional(),
    block: BlockSchema.optional(),
    sensor: SensorViewSchema,
    handover: HandoverViewSchema.optional().describe("The truck's last hand-over (handover zone)"),
  })
  .strict();
export type BayView = z.infer<typeof BayViewSchema>;

export const StateCountsSchema = z.object(
  Object.fromEntries(BAY_STATES.map((s) => [s, z.number().int().nonnegative()])) as Record<
    BayState,
    z.ZodNumber
  >,
);
export type StateCounts = z.infer<typeof StateCountsSchema>;

export const YardSummarySchema = z
  .object({
    at: epoch,
    bays: z.number().int().nonnegative(),
    trucks: z.number().int().nonnegative().describe('Trucks holding a bay (reserved included)'),
    counts: StateCountsSchema,
    zones: z.array(
      z
        .object({
          id: z.string(),
          name: z.string(),
          kind: z.enum(['work', 'living', ...TRUCK_ZONE_KINDS]),
          bays: z.number().int().nonnegative(),
          counts: StateCountsSchema,
          full: z.boolean().describe('Has truck bays and none is free'),
        })
        .strict(),
    ),
    awaiting: z.number().int().nonnegative().describe('Samples waiting for a result'),
    overdue: z.number().int().nonnegative().describe('Samples whose result is overdue'),
    sensors: z
      .object({ offline: z.number().int().nonnegative(), mismatches: z.number().int().nonnegative() })
      .strict(),
    dwellMinutes: z
      .object({
        count: z.number().int().nonnegative(),
        p50: z.number(),
        p90: z.number(),
        p99: z.number(),
        max: z.number(),
      })
      .strict()
      .describe('Time since arrival of the trucks in the yard now, minutes (zeros when empty)'),
    next: z
      .object(
        Object.fromEntries(TRUCK_ZONE_KINDS.map((k) => [k, bay.optional()])) as Record<
          TruckZoneKind,
          z.ZodOptional<typeof bay>
        >,
      )
      .strict()
      .describe('Where the assignment policy would put the next truck, per zone kind'),
  })
  .strict();
export type YardSummary = z.infer<typeof YardSummarySchema>;

// ---- coordinator requests and replies --------------------------------------------------------

/** The data of each coordinator request (inside the shared request envelope of mqtt/envelope.ts). */
export const YARD_REQUEST_DATA = {
  assign: z
    .object({
      plate: plate.optional(),
      subject: subject.optional(),
      origin: text.optional(),
      destination: text.optional(),
      zoneKind: TruckZoneKindSchema.default('parking'),
      bay: bay.optional().describe('A free bay; the assignment policy chooses when absent'),
      arrived: z.boolean().default(false).describe('The truck is already in the bay'),
      reason: text.default('assigned by a coordinator'),
    })
    .strict()
    .refine((r) => r.plate !== undefined || r.subject !== undefined, {
      message: 'give a plate or a subject',
      path: ['plate'],
    }),
  arrive: z.object({ bay }).strict(),
  move: z
    .object({
      from: bay,
      to: bay.optional().describe('A free bay; else the policy chooses in toZoneKind'),
      toZoneKind: TruckZoneKindSchema.optional().describe(
        'Default: isolation for an isolated truck, else the zone kind it is in',
      ),
      reason: text.optional(),
    })
    .strict(),
  sample: z.object({ bay, kind: SampleKindSchema }).strict(),
  result: z
    .object({
      bay,
      sampleId: id.optional().describe('Default: the oldest pending sample (of `kind`, if given)'),
      kind: SampleKindSchema.optional(),
      result: TestResultSchema,
    })
    .strict(),
  release: z.object({ bay, reason: text.min(1) }).strict(),
  block: z.object({ bay, reason: BlockReasonSchema, note: text.optional() }).strict(),
  unblock: z.object({ bay }).strict(),
  ...HANDOVER_REQUEST_DATA,
} as const;
export type YardAction = keyof typeof YARD_REQUEST_DATA;
export type YardRequestData<A extends YardAction> = z.infer<(typeof YARD_REQUEST_DATA)[A]>;

/** The `data` of a yard reply: the bays the action changed, or why it was refused. */
export const YardReplyDataSchema = z.union([
  z
    .object({
      bays: z.array(BayViewSchema).describe('The bays the action changed, as they are now'),
      sample: SampleSchema.optional().describe('The sample recorded (action sample)'),
    })
    .strict(),
  z
    .object({
      code: z
        .number()
        .int()
        .describe('GatepostError code: 610 invalid, 800 yard full, 801 illegal transition, 802 not found'),
      reason: z.string().describe('Machine-readable, e.g. zone-full, not-cleared, not-free'),
    })
    .strict(),
]);
export type YardReplyData = z.infer<typeof YardReplyDataSchema>;
