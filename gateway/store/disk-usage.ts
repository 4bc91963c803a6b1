import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import { type DiskReserve, isNoSpace } from './disk-reserve.ts';

const MB = 1024 * 1024;
/** The WAL is truncated back to this after a checkpoint (`journal_size_limit`, database.ts). */
const WAL_ALLOWANCE_BYTES = 16 * MB;
/** Room left on the file system for the rest of the box: this much, or 5 % of a smaller disk. */
const BOX_MARGIN_BYTES = 64 * MB;
const BOX_MARGIN_RATIO = 0.05;

export interface DiskUsage {
  /**
   * What the store needs: database pages in use (`page_count − freelist_count`) × `page_size`,
   * plus a fixed allowance for the WAL. Not the WAL file itself, which swings by tens of MB
   * with every checkpoint: the allowance keeps the levels from following those swings.
   */
  usedBytes: number;
  /**
   * `storage.maxBytes`, or less if the file system has less room: the store's files plus the
   * space available, less the box's margin and the part of the reserve not held now (so that
   * releasing the reserve or a checkpoint shrinking the WAL does not move the limit).
   */
  limitBytes: number;
  /** The database file on disk. */
  fileBytes: number;
  /** The WAL file on disk now. */
  walBytes: number;
  /** The WAL allowance counted in `usedBytes`. */
  walAllowanceBytes: number;
  /** Free pages inside the file, reusable and handed back by incremental vacuum. */
  freeBytes: number;
  /** Space left on the file system for unprivileged writers (undefined for `:memory:`). */
  diskAvailableBytes: number | undefined;
  /** Bytes the reserve holds now. */
  reserveBytes: number;
}

/** Measures the store against its limit (docs/storage.md, _Disk levels_). */
export function measureDisk(
  db: Database,
  path: string,
  opts: { maxBytes: number; reserve?: DiskReserve | undefined },
): DiskUsage {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  let fileBytes = pages * pageSize;
  let walBytes = 0;
  let diskAvailableBytes: number | undefined;
  let room = Number.POSITIVE_INFINITY;
  const reserveBytes = opts.reserve?.held() ?? 0;
  if (path !== ':memory:') {
    fileBytes = sizeOf(path);
    walBytes = sizeOf(`${path}-wal`);
    try {
      const fs = statfsSync(dirname(path));
      diskAvailableBytes = fs.bavail * fs.bsize;
      const margin = Math.min(BOX_MARGIN_BYTES, fs.blocks * fs.bsize * BOX_MARGIN_RATIO);
      const reserveMissing = opts.reserve?.missing() ?? 0;
      room = fileBytes + walBytes + diskAvailableBytes - margin - reserveMissing;
    } catch {
      diskAvailableBytes = undefined;
    }
  }
  const limitBytes = Math.max(1, Math.floor(Math.min(opts.maxBytes, room)));
  const walAllowanceBytes = Math.min(WAL_ALLOWANCE_BYTES, Math.floor(limitBytes * 0.1));
  return {
    usedBytes: (pages - free) * pageSize + walAllowanceBytes,
    limitBytes,
    fileBytes,
    walBytes,
    walAllowanceBytes,
    freeBytes: free * pageSize,
    diskAvailableBytes,
    reserveBytes,
  };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Lets the database grow only so far that a checkpoint can always copy the WAL back
 * (`max_page_count`, set at each measurement). A page the database gains is written twice
 * before that (a WAL frame, then its place in the file), so of the space the file system has
 * beyond the reserve and beyond what the file still has to grow by, half may become new pages.
 * The database then meets its own limit (SQLITE_FULL on commit) before the file system is
 * full, and the reserve stays for the deletes of reclaiming. When the WAL owes the file more
 * than half the room left, it is copied back first (a PASSIVE checkpoint; the checkpointer would
 * within seconds) rather than stop the database from growing.
 */
export function capDatabaseGrowth(
  db: Database,
  path: string,
  u: DiskUsage,
  reserve: DiskReserve | undefined,
): void {
  if (u.diskAvailableBytes === undefined) return;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const spare = u.diskAvailableBytes - (reserve?.missing() ?? 0);
  let owed = Math.max(0, pages * pageSize - u.fileBytes);
  if (owed > 0 && owed * 2 > spare) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      owed = Math.max(0, pages * pageSize - sizeOf(path));
    } catch (err) {
      if (!isNoSpace(err)) throw err;
    }
  }
  const growth = Math.max(0, spare - owed) / 2;
  db.pragma(`max_page_count = ${pages + Math.floor(growth / pageSize)}`);
}
