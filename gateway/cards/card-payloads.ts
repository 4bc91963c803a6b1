import { z } from 'zod';
import { PlateColourSchema } from '../../core/plate-colour.ts';
import { PRINT_FAILURES, PrinterStatusSchema } from '../../devices/printer/receipt.ts';
import { ConfigIdSchema } from '../../site-config/config-id.ts';
import { BayIdSchema } from '../yard/yard-payloads.ts';

/**
 * The cards' MQTT contract and the data of every record of the `cards` stream, one zod schema
 * each: the staff requests (issue, reprint, revoke) and their replies, the site's public key, a
 * printer's health. Browser-safe: imports zod only, so the pages share it through
 * gateway/mqtt/topics.ts.
 */

const epoch = z.number().int().describe('Epoch ms');
const text = z.string().max(200);
const staffId = z.string().min(1).max(64).describe('Staff ID of who asked (audited)');
const transaction = z.string().min(1).max(64).describe('Echoed in the reply, to match it to its request');
const plate = z.string().trim().min(1).max(16).describe('Licence plate as registered');

export const CardIdSchema = z
  .string()
  .regex(/^card-[0-9a-z]{16}$/, 'must be a card id such as card-0123456789abcdef')
  .describe('Card id, printed on the card and inside its code');
export type CardId = z.infer<typeof CardIdSchema>;

export const PrinterIdSchema = ConfigIdSchema.describe('A printer of the site config (`printers[].id`)');

/** Why a card was not printed: the printer's own failures, or no printer serves the place. */
export const CARD_PRINT_FAILURES = [...PRINT_FAILURES, 'no-printer'] as const;
export const CardPrintFailureSchema = z.enum(CARD_PRINT_FAILURES);
export type CardPrintFailure = z.infer<typeof CardPrintFailureSchema>;

/** A card as staff see it: no personal data (the subject stays in the store and in the code). */
export const CardViewSchema = z
  .object({
    id: CardIdSchema,
    plate,
    plateColour: PlateColourSchema.optional(),
    bay: BayIdSchema.optional().describe('The bay of its yard visit, when it has one'),
    issuedAt: epoch,
    validUntil: epoch.describe('The code expires then (exp): cards.validHours after issue'),
    revokedAt: epoch.optional(),
    printedAt: epoch.optional().describe('The last time it came out of a printer'),
  })
  .strict();
export type CardView = z.infer<typeof CardViewSchema>;

export const CardPrintedSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }).strict(),
  z.object({ ok: z.literal(false), reason: CardPrintFailureSchema, message: text }).strict(),
]);
export type CardPrinted = z.infer<typeof CardPrintedSchema>;

// ---- staff requests and replies -----------------------------------------------------------------

/** A revocation's reason as typed by staff: no blank one, no control or invisible format characters. */
const typedReason = z
  .string()
  .trim()
  .min(3)
  .max(200)
  .refine(
    (v) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(v),
    'must not hold control or invisible format characters',
  );

/**
 * A kiosk's own lane on a reprint or revoke: a kiosk's user may only send its own (the broker
 * checks `data.lane` against the user's lane), and the card must have been issued at that lane.
 * The yard's coordinators send none and may act on any card.
 */
const kioskLane = ConfigIdSchema.optional().describe(
  "Kiosk: its own lane (required of a kiosk's user; the card must be of that lane)",
);

/** The data of each card request (inside the shared request envelope of mqtt/envelope.ts). */
export const CARD_REQUEST_DATA = {
  issue: z
    .object({
      lane: ConfigIdSchema.optional().describe("Kiosk: the lane's current or last transit"),
      bay: BayIdSchema.optional().describe("Yard: the bay's visit"),
      printer: PrinterIdSchema.optional().describe('Default: the printer serving that lane, or the yard'),
    })
    .strict()
    .refine((r) => (r.lane === undefined) !== (r.bay === undefined), {
      message: 'give a lane or a bay (one of them)',
      path: ['lane'],
    }),
  reprint: z.object({ cardId: CardIdSchema, printer: PrinterIdSchema.optional(), lane: kioskLane }).strict(),
  revoke: z.object({ cardId: CardIdSchema, reason: typedReason, lane: kioskLane }).strict(),
} as const;
export type CardAction = keyof typeof CARD_REQUEST_DATA;
export const CARD_ACTIONS = Object.keys(CARD_REQUEST_DATA) as CardAction[];
export type CardRequestData<A extends CardAction> = z.infer<(typeof CARD_REQUEST_DATA)[A]>;

/** The `data` of a card reply: the card (and how its printing went), or why it was refused. */
export const CardReplyDataSchema = z.union([
  z
    .object({
      card: CardViewSchema,
      printed: CardPrintedSchema.optional().describe('issue and reprint: printed, or why not'),
    })
    .strict(),
  z
    .object({
      code: z
        .number()
        .int()
        .describe(
          'GatepostError code: 610 invalid, 820-839 cards (e.g. 821 nothing to issue for, 822 unknown card)',
        ),
      reason: z.string().describe('Machine-readable, e.g. no-transit, no-visit, unknown-card, revoked'),
    })
    .strict(),
]);
export type CardReplyData = z.infer<typeof CardReplyDataSchema>;

// ---- retained state ---------------------------------------------------------------------------

/** The site's public key, an Ed25519 JWK (RFC 8037) without its private part. */
export const SiteKeyJwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url'),
    kid: z.string().min(1).max(128).describe('site:<site>:<thumbprint prefix>; the kid of its cards'),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
  })
  .strict();
export type SiteKeyJwk = z.infer<typeof SiteKeyJwkSchema>;

export const PrinterHealthSchema = z
  .object({
    state: z.enum(['online', 'offline', 'degraded']),
    reason: z.string().max(200).describe('e.g. ok, no-reply, paper-out, paper-near-end, cover-open, error'),
    status: PrinterStatusSchema.optional().describe("The printer's own last report"),
    at: epoch,
  })
  .strict();
export type PrinterHealth = z.infer<typeof PrinterHealthSchema>;

// ---- records of the `cards` stream ------------------------------------------------------------

const by = z.object({ staffId, transaction: transaction.optional() }).strict();
const cardId = CardIdSchema;

export const CARD_RECORDS = {
  'card-issued': z
    .object({
      cardId,
      kid: z.string().max(128).describe('The site key that signed it'),
      plate,
      plateColour: PlateColourSchema.optional(),
      color: z.enum(['green', 'yellow', 'red']),
      lane: ConfigIdSchema.optional(),
      transitId: z.string().max(64).optional(),
      bay: BayIdSchema.optional(),
      visitId: z.string().max(64).optional(),
      issuedAt: epoch,
      validUntil: epoch,
      by,
    })
    .strict()
    .describe('A card issued (its code is kept in the store for a reprint, never published)'),
  'card-printed': z.object({ cardId, printer: PrinterIdSchema, reprint: z.boolean(), by }).strict(),
  'card-print-failed': z
    .object({
      cardId,
      printer: PrinterIdSchema.optional(),
      reason: CardPrintFailureSchema,
      message: text,
      by,
    })
    .strict()
    .describe('Not printed; the card stays issued and can be reprinted'),
  'card-revoked': z
    .object({ cardId, plate, reason: text, by })
    .strict()
    .describe(
      'Refused at every lane of the site from now on: revoked by staff (lost), or superseded by a newer card of the same truck',
    ),
  'request-refused': z
    .object({
      action: z.string().max(32),
      staffId,
      transaction: transaction.optional(),
      cardId: cardId.optional(),
      errorCode: z.number().int(),
      reason: z.string().max(64),
      message: text,
    })
    .strict()
    .describe('Audit entry of a card request that was refused'),
} as const;
export type CardRecordType = keyof typeof CARD_RECORDS;
export type CardRecordData<T extends CardRecordType> = z.infer<(typeof CARD_RECORDS)[T]>;
