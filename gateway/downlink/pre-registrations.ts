import type { Database, Statement } from 'better-sqlite3';
import { plateKey } from '../store/ledger.ts';
import {
  type PreRegistration,
  PreRegistrationSchema,
  type PreRegistrationsPayload,
} from './downlink-payloads.ts';

/** Announcements of one plate a lookup returns at most (valid at once; the lane takes the first). */
export const MAX_FOUND = 16;

/** How long after its validity an announcement is kept (then deleted at the next envelope). */
const KEEP_AFTER_SECONDS = 24 * 3600;

export interface PreRegistrationsOutcome {
  upserted: number;
  removed: number;
  /** Announcements held once applied (valid or not yet). */
  held: number;
}

/**
 * The trucks announced ahead by the central office (报备), kept in the store's
 * `pre_registrations` table as the centre last sent them: a `full` envelope replaces them all
 * in one transaction, a `delta` one adds, replaces (by id) and removes. Entries past their
 * validity by more than a day are deleted with each envelope, so names and ID numbers are not
 * kept longer than the announcement is of use. The lanes look them up by plate (and colour).
 */
export class PreRegistrationStore {
  private readonly upsert: Statement;
  private readonly remove: Statement;
  private readonly purge: Statement;
  private readonly byPlate: Statement;
  private readonly count: Statement;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO pre_registrations (id, plate_key, plate_colour, valid_from, valid_until, data, envelope_id)
       VALUES (@id, @plateKey, @plateColour, @validFrom, @validUntil, @data, @envelopeId)
       ON CONFLICT (id) DO UPDATE SET plate_key = excluded.plate_key, plate_colour = excluded.plate_colour,
         valid_from = excluded.valid_from, valid_until = excluded.valid_until, data = excluded.data,
         envelope_id = excluded.envelope_id`,
    );
    this.remove = db.prepare('DELETE FROM pre_registrations WHERE id = ?');
    this.purge = db.prepare('DELETE FROM pre_registrations WHERE valid_until < ?');
    // The colour is matched in SQL and the rows capped: a centre's list of thousands of
    // announcements of one plate costs a lane's lookup MAX_FOUND rows, not thousands.
    this.byPlate = db.prepare(
      `SELECT data FROM pre_registrations WHERE id IN (
         SELECT id FROM pre_registrations WHERE plate_key = @plate AND valid_from <= @at AND valid_until >= @at
           AND (@colour IS NULL OR plate_colour IS NULL OR plate_colour = @colour)
         ORDER BY valid_from LIMIT ${MAX_FOUND})
       ORDER BY valid_from`,
    );
    this.count = db.prepare('SELECT count(*) AS n FROM pre_registrations');
  }

  /** Applies one envelope's payload in one transaction: all of it, or none of it. */
  apply(payload: PreRegistrationsPayload, envelopeId: string, nowMs: number): PreRegistrationsOutcome {
    return this.db.transaction(() => {
      let removed = 0;
      if (payload.mode === 'full') removed += this.db.prepare('DELETE FROM pre_registrations').run().changes;
      for (const id of payload.remove) removed += this.remove.run(id).changes;
      for (const p of payload.upsert) {
        this.upsert.run({
          id: p.id,
          plateKey: plateKey(p.plate),
          plateColour: p.plateColour ?? null,
          validFrom: p.validFrom,
          validUntil: p.validUntil,
          data: JSON.stringify(p),
          envelopeId,
        });
      }
      this.purge.run(Math.floor(nowMs / 1000) - KEEP_AFTER_SECONDS);
      const held = (this.count.get() as { n: number }).n;
      return { upserted: payload.upsert.length, removed, held };
    })();
  }

  /**
   * The announcements of a plate valid at `atMs`, earliest first, at most MAX_FOUND; with a
   * colour, those of that colour or of none given (an announcement without a colour matches any).
   */
  find(plate: string, atMs: number, colour?: PreRegistration['plateColour']): PreRegistration[] {
    const at = Math.floor(atMs / 1000);
    const rows = this.byPlate.all({ plate: plateKey(plate), at, colour: colour ?? null }) as {
      data: string;
    }[];
    const found: PreRegistration[] = [];
    for (const r of rows) {
      const p = PreRegistrationSchema.safeParse(JSON.parse(r.data));
      if (p.success) found.push(p.data);
    }
    return found;
  }
}
