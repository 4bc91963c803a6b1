import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';

export interface DiskUsage {
  /** Pages in use plus the WAL: what the store holds on disk, without reusable free pages. */
  usedBytes: number;
  /** The database file (page_count × page_size). */
  fileBytes: number;
  walBytes: number;
  /** Free pages inside the file, reusable and handed back by incremental vacuum. */
  freeBytes: number;
  /** Space left on the file system for unprivileged writers (undefined for `:memory:`). */
  diskAvailableBytes: number | undefined;
}

/** Measures the store: `page_count × page_size`, its free list, the WAL file, the file system. */
export function measureDisk(db: Database, path: string): DiskUsage {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  let walBytes = 0;
  let diskAvailableBytes: number | undefined;
  if (path !== ':memory:') {
    try {
      walBytes = statSync(`${path}-wal`).size;
    } catch {
      walBytes = 0;
    }
    try {
      const fs = statfsSync(dirname(path));
      diskAvailableBytes = fs.bavail * fs.bsize;
    } catch {
      diskAvailableBytes = undefined;
    }
  }
  return {
    usedBytes: (pages - free) * pageSize + walBytes,
    fileBytes: pages * pageSize,
    walBytes,
    freeBytes: free * pageSize,
    diskAvailableBytes,
  };
}
