import type { Database } from 'better-sqlite3';
import { HANDOVERS_MIGRATION } from './handover-ledger.ts';

/**
 * Schema migrations, versioned in code. `PRAGMA user_version` holds the last one applied; each
 * runs in its own transaction, so a power cut mid-migration leaves the previous version intact.
 * Never edit a released migration: add a new one. (Version 1 was restructured before the first
 * release to turn on incremental auto-vacuum, which must precede the first table: see
 * database.ts.)
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'records (the outbox), per-stream sequence and delivery cursors, the ledger, meta',
    sql: `
      -- Every record of every stream. Also the outbox: a record is pending until its stream's
      -- delivered_seq (table streams) reaches its seq.
      CREATE TABLE records (
        id        TEXT NOT NULL,
        stream    TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        type      TEXT NOT NULL,
        at        INTEGER NOT NULL,
        data      TEXT NOT NULL,
        -- 1: bulky telemetry, the first to give way at the disk limit (record-policy.ts)
        sheddable INTEGER NOT NULL DEFAULT 0 CHECK (sheddable IN (0, 1)),
        -- 1: data holds names or ID numbers not yet pseudonymised (retention.ts)
        personal  INTEGER NOT NULL DEFAULT 0 CHECK (personal IN (0, 1)),
        UNIQUE (stream, seq),
        UNIQUE (id)
      );
      CREATE INDEX records_sheddable ON records (stream, seq) WHERE sheddable = 1;
      CREATE INDEX records_personal ON records (stream, seq) WHERE personal = 1;

      -- One row per stream: the last seq ever given (never goes back, even once its rows are
      -- reclaimed) and the outbox cursor (every record up to delivered_seq had its PUBACK).
      CREATE TABLE streams (
        stream        TEXT PRIMARY KEY,
        last_seq      INTEGER NOT NULL,
        delivered_seq INTEGER NOT NULL DEFAULT 0,
        delivered_at  INTEGER
      ) WITHOUT ROWID;

      -- The ledger of trucks and drivers: one row per truck (a lane transit, or a yard visit made
      -- without one), projected from the lane and yard records in the transaction that commits
      -- them (ledger-projection.ts).
      CREATE TABLE ledger (
        entry_id         TEXT PRIMARY KEY,
        transit_id       TEXT,
        visit_id         TEXT,
        lane             TEXT,
        plate            TEXT,
        plate_key        TEXT,
        driver_name      TEXT,
        driver_id_number TEXT,
        driver_subject   TEXT,
        origin           TEXT,
        destination      TEXT,
        arrived_at       INTEGER NOT NULL,
        decided_at       INTEGER,
        decision         TEXT,
        decided_by       TEXT,
        reasons          TEXT,
        temperature_c    REAL,
        lane_end         TEXT,
        lane_cleared_at  INTEGER,
        bay              TEXT,
        yard_arrived_at  INTEGER,
        tests            TEXT NOT NULL DEFAULT '[]',
        departed_at      INTEGER,
        updated_at       INTEGER NOT NULL,
        personal         TEXT NOT NULL DEFAULT 'kept' CHECK (personal IN ('kept', 'pseudonymised', 'deleted'))
      );
      CREATE INDEX ledger_plate ON ledger (plate_key, arrived_at);
      CREATE INDEX ledger_arrived ON ledger (arrived_at);
      CREATE INDEX ledger_visit ON ledger (visit_id) WHERE visit_id IS NOT NULL;
      CREATE INDEX ledger_personal ON ledger (updated_at) WHERE personal = 'kept';

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: "the ledger's vehicle (plate colour, trailer plate) and crew (a person per seat)",
    sql: `
      -- A vehicle is its plate and the plate's colour (core/plate-colour.ts); NULL: not known
      -- (a pass names no colour; entries written before this version).
      ALTER TABLE ledger ADD COLUMN plate_colour TEXT;
      ALTER TABLE ledger ADD COLUMN trailer_plate TEXT;
      -- Every person in the cab, JSON (ledger.ts LedgerPersonSchema); NULL before crews: the
      -- driver columns are the one person.
      ALTER TABLE ledger ADD COLUMN persons TEXT;
    `,
  },
  {
    version: 3,
    description: 'pre-registrations from the central office (gateway/downlink/pre-registrations.ts)',
    sql: `
      -- Trucks announced ahead (报备), by plate and colour, kept as the centre last sent them.
      -- data: the entry's JSON (downlink-payloads.ts PreRegistrationSchema), crew included.
      CREATE TABLE pre_registrations (
        id           TEXT PRIMARY KEY,
        plate_key    TEXT NOT NULL,
        plate_colour TEXT,
        valid_from   INTEGER NOT NULL,
        valid_until  INTEGER NOT NULL,
        data         TEXT NOT NULL,
        envelope_id  TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX pre_registrations_plate ON pre_registrations (plate_key, valid_until);
      CREATE INDEX pre_registrations_until ON pre_registrations (valid_until);
    `,
  },
  // Version 4: the ledger of point-to-point hand-overs, kept beside its projection.
  HANDOVERS_MIGRATION,
  {
    version: 5,
    description: "cards for drivers without phones (gateway/cards/card-store.ts), the site's revocations",
    sql: `
      -- One row per card issued: its truck (plate, plate_key as ledger.ts keys plates), where it
      -- was issued for (a lane's transit or a bay's visit), its validity, and the signed code
      -- itself so that a reprint prints the same card. revoked_at: refused at every lane since.
      CREATE TABLE cards (
        id           TEXT PRIMARY KEY,
        kid          TEXT NOT NULL,
        plate        TEXT NOT NULL,
        plate_key    TEXT NOT NULL,
        plate_colour TEXT,
        color        TEXT NOT NULL CHECK (color IN ('green', 'yellow', 'red')),
        lane         TEXT,
        transit_id   TEXT,
        bay          TEXT,
        visit_id     TEXT,
        issued_at    INTEGER NOT NULL,
        valid_until  INTEGER NOT NULL,
        revoked_at   INTEGER,
        reason       TEXT,
        printed_at   INTEGER,
        code         TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX cards_plate ON cards (plate_key, issued_at);
      CREATE INDEX cards_revoked ON cards (revoked_at) WHERE revoked_at IS NOT NULL;
    `,
  },
];

export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
