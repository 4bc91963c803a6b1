import type { Clock } from '../../core/clock.ts';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ReceiptPrinterPort } from '../../devices/printer/receipt.ts';
import type { CardsConfig } from '../../site-config/cards-config.ts';
import { newCardId, signCard } from './card-code.ts';
import type { CardPrinted, CardRecordData, CardRecordType, CardView } from './card-payloads.ts';
import { cardReceipt } from './card-receipt.ts';
import { type CardStore, cardView, type StoredCard } from './card-store.ts';
import type { CardTruck, CardTrucks } from './card-trucks.ts';
import type { SiteKey } from './site-key.ts';

/** The `cards` stream. */
export const CARDS_STREAM = 'cards';

/** Where the card records go (the gateway's RecordSink: committed, then published). */
export interface CardRecordWriter {
  record(stream: typeof CARDS_STREAM, type: string, data: unknown): Promise<unknown>;
}

/** The site's printers, by id and by what they serve (printer-wiring.ts). */
export interface CardPrinters {
  byId(id: string): ReceiptPrinterPort | undefined;
  /** The id of the first printer serving that lane's kiosk, or the yard. */
  serving(place: { lane: string } | { yard: true }): string | undefined;
}

export interface CardIssuerOptions {
  site: { id: string; name: string };
  config: CardsConfig;
  key: SiteKey;
  store: CardStore;
  trucks: CardTrucks;
  printers: CardPrinters;
  writer: CardRecordWriter;
  clock: Clock;
  log: Logger;
}

export type CardResult =
  | { ok: true; card: CardView; printed?: CardPrinted }
  | { ok: false; code: number; reason: string; message: string };

export interface By {
  staffId: string;
  transaction?: string;
}

/**
 * Issues, prints, reprints and revokes the site's cards. A card is stored (with its signed code)
 * and recorded before it is printed, so a printer that is offline or out of paper loses nothing:
 * the reply says why it did not print, and `reprint` prints the same card again.
 */
export class CardIssuer {
  constructor(private readonly o: CardIssuerOptions) {}

  async issue(
    from: { lane: string; printer?: string } | { bay: string; printer?: string },
    by: By,
  ): Promise<CardResult> {
    const found = 'lane' in from ? this.o.trucks.ofLane(from.lane) : this.o.trucks.ofBay(from.bay);
    if (!found.ok) return found;
    const printer =
      from.printer ?? this.o.printers.serving('lane' in from ? { lane: from.lane } : { yard: true });
    const card = await this.sign(found.truck);
    this.o.store.insert(card);
    await this.write('card-issued', {
      cardId: card.id,
      kid: card.kid,
      plate: card.plate,
      ...(card.plateColour ? { plateColour: card.plateColour } : {}),
      color: card.color,
      ...(card.lane ? { lane: card.lane } : {}),
      ...(card.transitId ? { transitId: card.transitId } : {}),
      ...(card.bay ? { bay: card.bay } : {}),
      ...(card.visitId ? { visitId: card.visitId } : {}),
      issuedAt: card.issuedAt,
      validUntil: card.validUntil,
      by,
    });
    this.o.log.info({ card: card.id, kid: card.kid, printer }, 'card issued');
    // One valid card per truck: a new one (the first lost, or issued again at the yard) replaces
    // the truck's earlier cards, which are revoked as superseded.
    for (const earlier of this.o.store.othersOfTruck(card)) {
      if (!this.o.store.revoke(earlier, this.o.clock.now(), `superseded by ${card.id}`)) continue;
      await this.write('card-revoked', {
        cardId: earlier,
        plate: card.plate,
        reason: `superseded by ${card.id}`,
        by,
      });
    }
    const printed = await this.print(card, printer, false, by);
    return { ok: true, card: this.view(card.id), printed };
  }

  /** `atLane`: asked from that lane's kiosk, which may only reprint that lane's cards. */
  async reprint(cardId: string, printerId: string | undefined, by: By, atLane?: string): Promise<CardResult> {
    const card = this.cardFor(cardId, atLane);
    if ('ok' in card) return card; // refused
    if (card.revokedAt !== undefined) return revoked(cardId);
    const printer =
      printerId ??
      (card.lane ? this.o.printers.serving({ lane: card.lane }) : undefined) ??
      this.o.printers.serving({ yard: true });
    const printed = await this.print(card, printer, true, by);
    return { ok: true, card: this.view(card.id), printed };
  }

  /** `atLane`: asked from that lane's kiosk, which may only revoke that lane's cards. */
  async revoke(cardId: string, reason: string, by: By, atLane?: string): Promise<CardResult> {
    const card = this.cardFor(cardId, atLane);
    if ('ok' in card) return card; // refused
    if (!this.o.store.revoke(cardId, this.o.clock.now(), reason)) return revoked(cardId);
    await this.write('card-revoked', { cardId, plate: card.plate, reason, by });
    this.o.log.info({ card: cardId }, 'card revoked');
    return { ok: true, card: this.view(cardId) };
  }

  /** The stored card a reprint or revoke acts on, or why not: unknown, or not of the asking lane. */
  private cardFor(cardId: string, atLane: string | undefined): StoredCard | CardResult {
    const card = this.o.store.get(cardId);
    if (!card) return unknownCard(cardId);
    if (atLane !== undefined && card.lane !== atLane) return otherLane(cardId, atLane);
    return card;
  }

  private async sign(truck: CardTruck): Promise<StoredCard> {
    const issuedAt = this.o.clock.now();
    // cards.validHours from now, in whole seconds (the code's exp).
    const validUntil = Math.floor((issuedAt + this.o.config.validHours * 3_600_000) / 1000) * 1000;
    const id = newCardId();
    const code = await signCard(
      {
        plate: truck.plate,
        sub: truck.subject,
        color: truck.color,
        ...(truck.bay ? { bay: truck.bay } : {}),
        card: { id, site: this.o.site.id },
        iat: Math.floor(issuedAt / 1000),
        exp: validUntil / 1000,
      },
      this.o.key,
    );
    return {
      id,
      kid: this.o.key.kid,
      plate: truck.plate,
      ...(truck.plateColour ? { plateColour: truck.plateColour } : {}),
      color: truck.color,
      ...(truck.lane ? { lane: truck.lane } : {}),
      ...(truck.transitId ? { transitId: truck.transitId } : {}),
      ...(truck.bay ? { bay: truck.bay } : {}),
      ...(truck.visitId ? { visitId: truck.visitId } : {}),
      issuedAt,
      validUntil,
      code,
    };
  }

  /** Prints the card; a failure is recorded and said, never thrown: the card stays issued. */
  private async print(card: StoredCard, printerId: string | undefined, reprint: boolean, by: By) {
    const port = printerId === undefined ? undefined : this.o.printers.byId(printerId);
    const failed = async (reason: CardRecordData<'card-print-failed'>['reason'], message: string) => {
      await this.write('card-print-failed', {
        cardId: card.id,
        ...(printerId !== undefined ? { printer: printerId } : {}),
        reason,
        message,
        by,
      });
      this.o.log.warn({ card: card.id, printer: printerId, reason }, 'card not printed');
      return { ok: false as const, reason, message };
    };
    if (!port || printerId === undefined)
      return failed(
        'no-printer',
        printerId === undefined ? 'no printer serves this place' : `no printer "${printerId}" at this site`,
      );
    const outcome = await port.print(cardReceipt(card, this.o.site.name, this.o.config.timeZone));
    if (!outcome.ok) return failed(outcome.reason, outcome.message);
    this.o.store.printed(card.id, outcome.at);
    await this.write('card-printed', { cardId: card.id, printer: printerId, reprint, by });
    return { ok: true as const };
  }

  private view(id: string): CardView {
    const card = this.o.store.get(id);
    if (!card)
      throw new GatepostError(ErrorCode.StoreFailed, `card ${id} is not in the store it was written to`);
    return cardView(card);
  }

  private write<T extends CardRecordType>(type: T, data: CardRecordData<T>): Promise<unknown> {
    return this.o.writer.record(CARDS_STREAM, type, data);
  }
}

function unknownCard(id: string): CardResult {
  return {
    ok: false,
    code: ErrorCode.CardUnknown,
    reason: 'unknown-card',
    message: `no card ${id} at this site`,
  };
}

function otherLane(id: string, lane: string): CardResult {
  return {
    ok: false,
    code: ErrorCode.CardOtherLane,
    reason: 'other-lane',
    message: `card ${id} was not issued at lane ${lane}`,
  };
}

function revoked(id: string): CardResult {
  return { ok: false, code: ErrorCode.CardRevoked, reason: 'revoked', message: `card ${id} is revoked` };
}
