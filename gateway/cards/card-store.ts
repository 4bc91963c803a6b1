import type { Database, Statement } from 'better-sqlite3';
import type { PlateColour } from '../../core/plate-colour.ts';
import { plateKey } from '../store/ledger.ts';
import type { CardView } from './card-payloads.ts';

/** One card as the `cards` table keeps it (store migration 5). */
export interface StoredCard {
  id: string;
  kid: string;
  plate: string;
  plateColour?: PlateColour;
  color: 'green' | 'yellow' | 'red';
  lane?: string;
  transitId?: string;
  bay?: string;
  visitId?: string;
  issuedAt: number;
  validUntil: number;
  revokedAt?: number;
  reason?: string;
  printedAt?: number;
  /** The signed GP1 code: a reprint prints the same card. */
  code: string;
}

interface CardRow {
  id: string;
  kid: string;
  plate: string;
  plate_colour: string | null;
  color: StoredCard['color'];
  lane: string | null;
  transit_id: string | null;
  bay: string | null;
  visit_id: string | null;
  issued_at: number;
  valid_until: number;
  revoked_at: number | null;
  reason: string | null;
  printed_at: number | null;
  code: string;
}

/**
 * The site's cards in the store: written synchronously (better-sqlite3, WAL, synchronous FULL),
 * so a card issued or revoked is durable before its reply. The ids of the revoked cards are held
 * in memory for the lanes (read once at start, then kept in step by `revoke`).
 */
export class CardStore {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly revokeStmt: Statement;
  private readonly printedStmt: Statement;
  private readonly sameTruckStmt: Statement;
  private readonly revokedIds: Set<string>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO cards (id, kid, plate, plate_key, plate_colour, color, lane, transit_id, bay, visit_id,
         issued_at, valid_until, code)
       VALUES (@id, @kid, @plate, @plateKey, @plateColour, @color, @lane, @transitId, @bay, @visitId,
         @issuedAt, @validUntil, @code)`,
    );
    this.getStmt = db.prepare('SELECT * FROM cards WHERE id = ?');
    this.revokeStmt = db.prepare(
      'UPDATE cards SET revoked_at = ?, reason = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.printedStmt = db.prepare('UPDATE cards SET printed_at = ? WHERE id = ?');
    this.sameTruckStmt = db.prepare(
      `SELECT id FROM cards WHERE revoked_at IS NULL AND id != @id
         AND ((@transitId IS NOT NULL AND transit_id = @transitId)
           OR (@visitId IS NOT NULL AND visit_id = @visitId))`,
    );
    this.revokedIds = new Set(
      (db.prepare('SELECT id FROM cards WHERE revoked_at IS NOT NULL').all() as { id: string }[]).map(
        (r) => r.id,
      ),
    );
  }

  insert(card: StoredCard): void {
    this.insertStmt.run({
      id: card.id,
      kid: card.kid,
      plate: card.plate,
      plateKey: plateKey(card.plate),
      plateColour: card.plateColour ?? null,
      color: card.color,
      lane: card.lane ?? null,
      transitId: card.transitId ?? null,
      bay: card.bay ?? null,
      visitId: card.visitId ?? null,
      issuedAt: card.issuedAt,
      validUntil: card.validUntil,
      code: card.code,
    });
  }

  get(id: string): StoredCard | undefined {
    const row = this.getStmt.get(id) as CardRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Marks it revoked; false if it was already (or does not exist). */
  revoke(id: string, at: number, reason: string): boolean {
    const changed = this.revokeStmt.run(at, reason, id).changes === 1;
    if (changed) this.revokedIds.add(id);
    return changed;
  }

  /** The cards of the same truck (its lane transit or its yard visit) not revoked, but this one. */
  othersOfTruck(card: StoredCard): string[] {
    const rows = this.sameTruckStmt.all({
      id: card.id,
      transitId: card.transitId ?? null,
      visitId: card.visitId ?? null,
    }) as { id: string }[];
    return rows.map((r) => r.id);
  }

  printed(id: string, at: number): void {
    this.printedStmt.run(at, id);
  }

  isRevoked(id: string): boolean {
    return this.revokedIds.has(id);
  }
}

/** What staff see of a card (no subject, no code). */
export function cardView(c: StoredCard): CardView {
  return {
    id: c.id,
    plate: c.plate,
    ...(c.plateColour ? { plateColour: c.plateColour } : {}),
    ...(c.bay ? { bay: c.bay } : {}),
    issuedAt: c.issuedAt,
    validUntil: c.validUntil,
    ...(c.revokedAt !== undefined ? { revokedAt: c.revokedAt } : {}),
    ...(c.printedAt !== undefined ? { printedAt: c.printedAt } : {}),
  };
}

function fromRow(r: CardRow): StoredCard {
  return {
    id: r.id,
    kid: r.kid,
    plate: r.plate,
    ...(r.plate_colour ? { plateColour: r.plate_colour as PlateColour } : {}),
    color: r.color,
    ...(r.lane ? { lane: r.lane } : {}),
    ...(r.transit_id ? { transitId: r.transit_id } : {}),
    ...(r.bay ? { bay: r.bay } : {}),
    ...(r.visit_id ? { visitId: r.visit_id } : {}),
    issuedAt: r.issued_at,
    validUntil: r.valid_until,
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.printed_at !== null ? { printedAt: r.printed_at } : {}),
    code: r.code,
  };
}
