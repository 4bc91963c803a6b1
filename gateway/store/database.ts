import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { migrate } from './migrations.ts';

/**
 * Opens (or creates) the gateway's SQLite file: WAL journal, `synchronous=FULL` so that a
 * committed transaction survives a power cut, then brings the schema up to date.
 */
export function openDatabase(path: string): Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (e) {
    throw new GatepostError(
      ErrorCode.StoreFailed,
      `cannot open the store at ${path}: ${errorMessage(e)}`,
      { path },
      {
        cause: e,
      },
    );
  }
}
