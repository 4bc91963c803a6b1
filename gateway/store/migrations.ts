import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, versioned in code. `PRAGMA user_version` holds the last one applied; each
 * runs in its own transaction, so a power cut mid-migration leaves the previous version intact.
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'records: every event of every stream, with its delivery state',
    sql: `
      CREATE TABLE records (
        id           TEXT PRIMARY KEY,
        stream       TEXT NOT NULL,
        seq          INTEGER NOT NULL,
        type         TEXT NOT NULL,
        at           INTEGER NOT NULL,
        data         TEXT NOT NULL,
        delivered_at INTEGER,
        UNIQUE (stream, seq)
      );
      CREATE INDEX records_pending ON records (stream, seq) WHERE delivered_at IS NULL;
      CREATE INDEX records_at ON records (at);
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
