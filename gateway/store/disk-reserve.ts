import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  statfsSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** Written in pieces of this size, so that making the reserve never holds much memory. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Slack space held ahead for the day the disk fills: a file of `bytes` zeros next to the store
 * (`<path>.reserve`). Freeing records in SQLite needs free space first (the deletes, the vacuum
 * and the checkpoint that shrinks the file all write to the WAL, and opening a store whose WAL
 * holds uncommitted frames writes too); on a full disk that space is taken from here, by
 * deleting the file, and given back once reclaiming has made room (docs/storage.md, _Full
 * disk_). The file is written, not made sparse, so its blocks are really held.
 */
export class DiskReserve {
  readonly path: string;

  constructor(
    storePath: string,
    readonly bytes: number,
  ) {
    this.path = `${storePath}.reserve`;
  }

  /** Bytes the reserve holds on disk now (0 when released or never made). */
  held(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** Bytes still to take back before the reserve is whole. */
  missing(): number {
    return Math.max(0, this.bytes - this.held());
  }

  /**
   * Makes (or completes) the reserve, writing zeros and fsyncing. On a full disk it stops,
   * gives back what it had written this time and returns false; never throws for ENOSPC.
   */
  ensure(): boolean {
    if (this.bytes <= 0 || this.missing() === 0) return true;
    let fd: number | undefined;
    let start = 0;
    try {
      fd = openSync(this.path, 'a');
      start = fstatSync(fd).size;
      const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, this.bytes));
      for (let size = start; size < this.bytes; ) {
        const n = Math.min(zeros.length, this.bytes - size);
        size += writeSync(fd, zeros, 0, n);
      }
      fsyncSync(fd);
      return true;
    } catch (e) {
      if (fd !== undefined) {
        closeSync(fd);
        fd = undefined;
      }
      // What was written this time goes again: the store needs it more than the reserve does
      // (a reserve made before is left empty, as released; one never made leaves no file).
      if (start === 0) this.removeFile();
      else truncateSync(this.path, start);
      if (isNoSpace(e)) return false;
      throw e;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Makes the reserve only when the file system has twice the missing part available, so that
   * taking it back does not fill the disk again at once; returns whether it is whole.
   */
  ensureIfRoom(): boolean {
    const missing = this.missing();
    if (missing === 0) return true;
    let available: number;
    try {
      const fs = statfsSync(dirname(this.path));
      available = fs.bavail * fs.bsize;
    } catch {
      return false;
    }
    return available >= missing * 2 && this.ensure();
  }

  /**
   * Gives the reserve's blocks back to the file system; returns how many bytes. The file stays,
   * empty, as the mark that the reserve was released (and not never made): see `wasReleased`.
   */
  release(): number {
    const held = this.held();
    if (held > 0) truncateSync(this.path, 0);
    return held;
  }

  /** Whether the reserve was made once and is not whole now (released, or cut short by a crash). */
  wasReleased(): boolean {
    return this.bytes > 0 && existsSync(this.path) && this.missing() > 0;
  }

  private removeFile(): void {
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** Whether an error is the file system or SQLite saying the disk (or the database) is full. */
export function isNoSpace(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const code = (e as { code?: unknown }).code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  return isNoSpace((e as { cause?: unknown }).cause);
}
