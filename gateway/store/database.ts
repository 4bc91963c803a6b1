import { mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type DiskReserve, isNoSpace } from './disk-reserve.ts';
import { migrate } from './migrations.ts';

/** `PRAGMA auto_vacuum` value of INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2;

/**
 * Opens (or creates) the gateway's SQLite file: incremental auto-vacuum (so that space freed by
 * reclaimed records can be handed back to the file system), WAL journal, `synchronous=FULL` so
 * that a committed transaction survives a power cut, then brings the schema up to date.
 *
 * `auto_vacuum` only takes effect on a database without tables and before the first write, so it
 * is set before `journal_mode=WAL` (which writes the header). A database made without it is
 * converted once with VACUUM.
 *
 * On a full disk, opening a store whose WAL is still there needs to write; then the store's
 * `reserve` (disk-reserve.ts) is deleted to make room and the open tried again, so that the
 * gateway starts, reclaims and says so (the disk guard takes the reserve back once there is room).
 */
export function openDatabase(path: string, opts: { reserve?: DiskReserve; log?: Logger } = {}): Database {
  try {
    return openOnce(path);
  } catch (e) {
    const freed = isNoSpace(e) || diskLooksFull(path) ? (opts.reserve?.release() ?? 0) : 0;
    if (freed === 0) throw e;
    opts.log?.error(
      { path, reserveBytes: freed },
      'disk full: the store could not be opened; its reserve was released to open it',
    );
    return openOnce(path);
  }
}

/**
 * SQLite does not always say SQLITE_FULL: a missing `-shm` that cannot be made on a full disk
 * is SQLITE_IOERR_SHMSIZE. Less than a page or two left is a full disk whatever the code.
 */
function diskLooksFull(path: string): boolean {
  if (path === ':memory:') return false;
  try {
    const fs = statfsSync(dirname(path));
    return fs.bavail * fs.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

function openOnce(path: string): Database {
  let db: Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new BetterSqlite3(path);
    db.pragma('busy_timeout = 5000');
    // Set only when it is not set yet: the statement writes, which a full disk refuses.
    if (db.pragma('auto_vacuum', { simple: true }) !== AUTO_VACUUM_INCREMENTAL) {
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Deleted and overwritten content (pseudonymised names, reclaimed records) is zeroed in its
    // page where that costs no extra I/O, rather than lingering in free space.
    db.pragma('secure_delete = FAST');
    // Checkpoints run between commits (wal-checkpointer.ts), every few seconds or thousand rows;
    // SQLite's own, which would run inside the commit that crosses its threshold (a lane's
    // decision, say), is only a backstop at ~40 MB. The file is truncated back to 16 MB after a
    // checkpoint, so a burst does not leave a large WAL behind on the SD card.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 16777216');
    if (db.pragma('auto_vacuum', { simple: true }) !== AUTO_VACUUM_INCREMENTAL && path !== ':memory:') {
      db.exec('VACUUM');
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= 1 && !db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'streams'").get()) {
      throw new GatepostError(
        ErrorCode.StoreFailed,
        'it was made by an unreleased development build with another schema; move it aside',
      );
    }
    migrate(db);
    return db;
  } catch (e) {
    db?.close();
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
