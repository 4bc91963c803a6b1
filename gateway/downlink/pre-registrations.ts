import type { Database, Statement } from 'better-sqlite3';
import { plateKey } from '../store/ledger.ts';
import {
  type PreRegistration,
  PreRegistrationSchema,
  type PreRegistrationsPayload,
  PreRegistrationsShellSchema,
} from './downlink-payloads.ts';

/** Entries checked, or written to the staging table, per turn of the event loop. */
const SLICE = 500;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export type SlicedApply = { ok: true; outcome: PreRegistrationsOutcome } | { ok: false; message: string };

/** Per connection (TEMP): an envelope's entries and removals before they are swapped in. */
const STAGING_SQL = `
  CREATE TEMP TABLE IF NOT EXISTS pre_registrations_staging (
    id TEXT PRIMARY KEY, plate_key TEXT NOT NULL, plate_colour TEXT, valid_from INTEGER NOT NULL,
    valid_until INTEGER NOT NULL, data TEXT NOT NULL, envelope_id TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS pre_registrations_removed (id TEXT PRIMARY KEY) WITHOUT ROWID;
  DELETE FROM temp.pre_registrations_staging;
  DELETE FROM temp.pre_registrations_removed;`;
const CLEAR_STAGING_SQL =
  'DELETE FROM temp.pre_registrations_staging; DELETE FROM temp.pre_registrations_removed;';

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
      for (const p of payload.upsert) this.upsert.run(this.row(p, envelopeId));
      this.purge.run(Math.floor(nowMs / 1000) - KEEP_AFTER_SECONDS);
      const held = (this.count.get() as { n: number }).n;
      return { upserted: payload.upsert.length, removed, held };
    })();
  }

  /**
   * Applies an envelope's payload as `apply` does, all of it or none of it, without holding the
   * event loop for the whole list (20,000 entries took over a second in one piece): the entries
   * are checked and written to a staging table a slice at a time, then swapped in by one
   * transaction whose rows SQLite copies itself. Lanes reading meanwhile see the old list whole.
   */
  async applyInSlices(payload: unknown, envelopeId: string, nowMs: number): Promise<SlicedApply> {
    const shell = PreRegistrationsShellSchema.safeParse(payload);
    if (!shell.success) {
      const issue = shell.error.issues[0];
      return { ok: false, message: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
    }
    const { mode, upsert, remove } = shell.data;
    const db = this.db;
    db.exec(STAGING_SQL);
    const stage = db.prepare(
      `INSERT OR REPLACE INTO temp.pre_registrations_staging
         (id, plate_key, plate_colour, valid_from, valid_until, data, envelope_id)
       VALUES (@id, @plateKey, @plateColour, @validFrom, @validUntil, @data, @envelopeId)`,
    );
    const stageRemove = db.prepare('INSERT OR IGNORE INTO temp.pre_registrations_removed (id) VALUES (?)');
    try {
      for (let from = 0; from < Math.max(upsert.length, remove.length); from += SLICE) {
        const entries: PreRegistration[] = [];
        for (let i = from; i < Math.min(upsert.length, from + SLICE); i++) {
          const p = PreRegistrationSchema.safeParse(upsert[i]);
          if (!p.success) {
            const issue = p.error.issues[0];
            return {
              ok: false,
              message: `payload.upsert.${i}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
            };
          }
          entries.push(p.data);
        }
        db.transaction(() => {
          for (const p of entries) stage.run(this.row(p, envelopeId));
          for (const id of remove.slice(from, from + SLICE)) stageRemove.run(id);
        })();
        await nextTurn();
      }
      const outcome = db.transaction(() => {
        let removed = 0;
        if (mode === 'full') removed += db.prepare('DELETE FROM pre_registrations').run().changes;
        removed += db
          .prepare(
            'DELETE FROM pre_registrations WHERE id IN (SELECT id FROM temp.pre_registrations_removed)',
          )
          .run().changes;
        db.prepare(
          `INSERT INTO pre_registrations (id, plate_key, plate_colour, valid_from, valid_until, data, envelope_id)
           SELECT id, plate_key, plate_colour, valid_from, valid_until, data, envelope_id
             FROM temp.pre_registrations_staging WHERE true
           ON CONFLICT (id) DO UPDATE SET plate_key = excluded.plate_key, plate_colour = excluded.plate_colour,
             valid_from = excluded.valid_from, valid_until = excluded.valid_until, data = excluded.data,
             envelope_id = excluded.envelope_id`,
        ).run();
        this.purge.run(Math.floor(nowMs / 1000) - KEEP_AFTER_SECONDS);
        const held = (this.count.get() as { n: number }).n;
        return { upserted: upsert.length, removed, held };
      })();
      return { ok: true, outcome };
    } finally {
      db.exec(CLEAR_STAGING_SQL);
    }
  }

  private row(p: PreRegistration, envelopeId: string) {
    return {
      id: p.id,
      plateKey: plateKey(p.plate),
      plateColour: p.plateColour ?? null,
      validFrom: p.validFrom,
      validUntil: p.validUntil,
      data: JSON.stringify(p),
      envelopeId,
    };
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
