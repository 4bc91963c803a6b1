import { z } from 'zod';
import { PlateColourSchema } from '../../../core/plate-colour.ts';
import { ActorSchema, BayIdSchema } from '../yard-basics.ts';

/**
 * The point-to-point hand-over's wire formats, one zod schema each: the coordinators' requests
 * (yard request actions `handover-*`), the records of the `yard` stream, the hand-over as the
 * yard stores it (in the inbound truck's visit, so snapshots carry it) and as a bay's retained
 * view shows it. Browser-safe: zod only. docs/yard.md ("Point-to-point hand-over").
 */

export const HANDOVER_STATES = ['opened', 'receiving-arrived', 'transferred', 'closed', 'aborted'] as const;
export const HandoverStateSchema = z
  .enum(HANDOVER_STATES)
  .describe('opened → receiving-arrived → transferred → closed, or aborted (with a reason) before closed');
export type HandoverState = z.infer<typeof HandoverStateSchema>;

/** At most this many seal numbers per list (a container has a handful; the cap is a budget). */
export const MAX_SEALS = 20;

const epoch = z.number().int().describe('Epoch ms');
const id = z.string().min(1).max(64);
const plate = z.string().trim().min(1).max(16).describe('Licence plate as registered');
const seal = z.string().trim().min(1).max(32).describe('A seal number as printed on the seal');
const seals = z.array(seal).max(MAX_SEALS);

/** The escort who takes the inbound truck out of the yard. Personal data (store/personal-data.ts). */
export const EscortSchema = z
  .object({
    id: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .describe("The escort's staff ID (a work number, not an ID card number)"),
    name: z.string().trim().min(1).max(64).describe("The escort's name (personal data)"),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 -]{2,30}$/, 'must be a phone number')
      .describe("The escort's phone (personal data)"),
  })
  .strict();
export type Escort = z.infer<typeof EscortSchema>;

/** The escort as the bay's retained view shows it: no phone number. */
export const EscortViewSchema = EscortSchema.pick({ id: true, name: true }).strict();

export const HandoverStepSchema = z
  .object({ state: HandoverStateSchema, at: epoch, by: ActorSchema })
  .strict()
  .describe('One step of a hand-over: the state it entered, when, by whom');
export type HandoverStep = z.infer<typeof HandoverStepSchema>;

/** A hand-over as the yard keeps it, in the inbound truck's visit (snapshots carry it). */
export const HandoverSchema = z
  .object({
    id,
    state: HandoverStateSchema,
    receivingPlate: plate,
    receivingPlateColour: PlateColourSchema.optional(),
    receivingTransitId: id.optional().describe("The receiving truck's lane transit, found by its plate"),
    escort: EscortSchema,
    sealsBefore: seals,
    sealsBroken: seals.optional(),
    sealsAfter: seals.optional(),
    cargo: z.string().max(200),
    openedAt: epoch,
    dueAt: epoch.describe('Overdue unless closed by then (yard.handoverOverdueMinutes)'),
    overdue: z.boolean(),
    sealMismatch: z.boolean().describe('The seals broken are not the seals recorded at opening'),
    abortReason: z.string().max(200).optional(),
    steps: z.array(HandoverStepSchema).max(5),
  })
  .strict();
export type Handover = z.infer<typeof HandoverSchema>;

/** What a bay's retained view shows of its hand-over (the last one of the truck in the bay). */
export const HandoverViewSchema = z
  .object({
    id,
    state: HandoverStateSchema,
    receivingPlate: plate,
    escort: EscortViewSchema,
    openedAt: epoch,
    dueAt: epoch,
    overdue: z.boolean(),
    sealMismatch: z.boolean(),
    steps: z.array(HandoverStepSchema).max(5),
  })
  .strict();
export type HandoverView = z.infer<typeof HandoverViewSchema>;

// ---- coordinator requests (yard request actions; replies as every yard request's) ------------

const bay = BayIdSchema.describe("The inbound truck's bay, in a handover zone");
const reason = z.string().trim().min(1).max(200);

/**
 * Text typed by a coordinator: no control characters and no invisible format characters (bidi
 * overrides such as U+202E, zero-width spaces), which would make a seal number or a name read on
 * the bay panel differently from what is recorded and compared. Requests only: stored records
 * keep their own (older) schemas so that they always load.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const visible = <T extends z.ZodString>(s: T) =>
  s.refine((v) => !INVISIBLE.test(v), 'must not hold control or invisible format characters');
const typedSeals = z.array(visible(seal)).max(MAX_SEALS);
const typedEscort = EscortSchema.extend({
  id: visible(EscortSchema.shape.id),
  name: visible(EscortSchema.shape.name),
});

export const HANDOVER_REQUEST_DATA = {
  'handover-open': z
    .object({
      bay,
      receivingPlate: visible(plate),
      receivingPlateColour: PlateColourSchema.optional(),
      escort: typedEscort,
      sealsBefore: typedSeals.min(1),
      cargo: visible(z.string().trim().min(1).max(200)),
    })
    .strict(),
  'handover-receiving-arrived': z.object({ bay }).strict(),
  'handover-transferred': z.object({ bay, sealsBroken: typedSeals, sealsAfter: typedSeals }).strict(),
  'handover-close': z.object({ bay }).strict(),
  'handover-abort': z.object({ bay, reason: visible(reason) }).strict(),
} as const;
export type HandoverAction = keyof typeof HANDOVER_REQUEST_DATA;
export type HandoverRequestData<A extends HandoverAction> = z.infer<(typeof HANDOVER_REQUEST_DATA)[A]>;

// ---- records of the `yard` stream ------------------------------------------------------------

const base = { bay: BayIdSchema, visitId: id, handoverId: id };

export const HANDOVER_RECORDS = {
  'handover-opened': z
    .object({
      ...base,
      receivingPlate: plate,
      receivingPlateColour: PlateColourSchema.optional(),
      receivingTransitId: id.optional(),
      escort: EscortSchema,
      sealsBefore: seals,
      cargo: z.string().max(200),
      dueAt: epoch,
      by: ActorSchema,
    })
    .strict(),
  'handover-receiving-arrived': z
    .object({ ...base, receivingTransitId: id.optional(), by: ActorSchema })
    .strict(),
  'handover-transferred': z
    .object({
      ...base,
      sealsBroken: seals,
      sealsAfter: seals,
      sealMismatch: z.boolean(),
      missing: seals.optional().describe('Seals recorded at opening but not broken'),
      unexpected: seals.optional().describe('Seals broken that were not recorded at opening'),
      by: ActorSchema,
    })
    .strict(),
  'handover-closed': z.object({ ...base, by: ActorSchema }).strict(),
  'handover-aborted': z.object({ ...base, reason, by: ActorSchema }).strict(),
  'handover-overdue': z
    .object({ ...base, dueAt: epoch })
    .strict()
    .describe('The hand-over was not closed by its due time (once; the alert follows)'),
} as const;
export type HandoverRecordType = keyof typeof HANDOVER_RECORDS;
export type HandoverRecordData<T extends HandoverRecordType> = z.infer<(typeof HANDOVER_RECORDS)[T]>;

export const HANDOVER_ALERT_KINDS = ['handover-overdue', 'seal-mismatch'] as const;
