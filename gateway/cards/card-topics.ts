import { ResponseSchema, requestSchema } from '../mqtt/envelope.ts';
import { recordSchema } from '../mqtt/record.ts';
import { def } from '../mqtt/topic-def.ts';
import {
  CARD_RECORDS,
  CARD_REQUEST_DATA,
  type CardAction,
  type CardRecordType,
  CardReplyDataSchema,
  PrinterHealthSchema,
  SiteKeyJwkSchema,
} from './card-payloads.ts';

const record = (type: CardRecordType, description: string) =>
  def({
    pattern: `gatepost/{site}/cards/${type}`,
    schema: recordSchema(CARD_RECORDS[type]),
    retained: false,
    publisher: 'gateway',
    description: `${description} A record of the cards stream.`,
  });

const request = (action: CardAction, description: string) =>
  def({
    pattern: `gatepost/{site}/cards/request/${action}`,
    schema: requestSchema(CARD_REQUEST_DATA[action]),
    retained: false,
    publisher: 'staff or coordinator',
    description: `${description} The reply comes on \`cards/response/${action}\`.`,
  });

/** The cards' part of the topic tree (merged into TOPICS). */
export const CARD_TOPICS = {
  cardsSiteKey: def({
    pattern: 'gatepost/{site}/cards/site-key',
    schema: SiteKeyJwkSchema,
    retained: true,
    publisher: 'gateway',
    description:
      "The site's public key (Ed25519 JWK, no private part) that signs its cards; the central office adds it to the trust list it sends the other sites.",
  }),
  printerHealth: def({
    pattern: 'gatepost/{site}/printer/{printer}/health',
    schema: PrinterHealthSchema,
    retained: true,
    publisher: 'gateway',
    description:
      "Health of one receipt printer: online, offline (no reply) or degraded (paper out, cover open, a fault it reports), with the printer's own last status.",
  }),
  cardIssued: record(
    'card-issued',
    'A card issued for a driver without a phone (a GP1 pass signed by the site key).',
  ),
  cardPrinted: record('card-printed', 'A card came out of a printer.'),
  cardPrintFailed: record(
    'card-print-failed',
    'A card was not printed (printer offline, out of paper, ...); it stays issued and can be reprinted.',
  ),
  cardRevoked: record(
    'card-revoked',
    'A card revoked (lost): every lane of the site refuses it from now on.',
  ),
  cardRequestRefused: record('request-refused', 'Audit entry of a refused card request.'),
  cardRequestIssue: request(
    'issue',
    "Issue a card: for a lane's current or last transit (kiosk) or a bay's visit (yard), printed on the printer serving it.",
  ),
  cardRequestReprint: request('reprint', 'Print an issued card again (same code).'),
  cardRequestRevoke: request('revoke', 'Revoke a card (lost, or given in error); a reason is required.'),
  cardResponse: def({
    pattern: 'gatepost/{site}/cards/response/{action}',
    schema: ResponseSchema.extend({ data: CardReplyDataSchema.optional() }),
    retained: false,
    publisher: 'gateway',
    description:
      'The reply to a card request, matched by `transaction`: the card and whether it printed, or the error with its code and reason.',
  }),
};
