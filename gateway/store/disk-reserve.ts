import { existsSync, ftruncateSync, statfsSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Written in pieces of this size, so that making the reserve never holds much memory. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * A making of a reserve in flight. `cancel` stops it at its next piece: `released` (the room
 * was taken back meanwhile: the file is left empty) or `stopped` (the guard stopped: what it
 * wrote goes again).
 */
interface Making {
  done: Promise<boolean>;
  cancel?: 'released' | 'stopped';
}

/**
 * The makings in flight, by reserve path: one at a time per file, whichever DiskReserve asked
 * (openDatabase and the storage guard each hold one for the same file, and a store closed and
 * opened again in one process makes a new one).
 */
const makings = new Map<string, Making>();

/**
 * Slack space held ahead for the day the disk fills: a file of `bytes` zeros next to the store
 * (`<path>.reserve`). Freeing records in SQLite needs free space first (the deletes, the vacuum
 * and the checkpoint that shrinks the file all write to the WAL, and opening a store whose WAL
 * holds uncommitted frames writes too); on a full disk that space is taken from here, by
 * deleting the file, and given back once reclaiming has made room (docs/storage.md, _Full
 * disk_). The file is written, not made sparse, so its blocks are really held.
 *
 * It is written off the event loop (the lanes share it): 1 MiB pieces through libuv's thread
 * pool, then an fsync there too; on an SD card a 32 MB reserve takes seconds. Releasing it is
 * synchronous (a truncate is cheap, and on a full disk its room is needed at once).
 */
export class DiskReserve {
  readonly path: string;

  constructor(
    storePath: string,
    readonly bytes: number,
  ) {
    this.path = `${storePath}.reserve`;
  }

  /** Bytes the reserve holds on disk now (0 when released or never made; part of it while being made). */
  held(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** Bytes still to take back before the reserve is whole (a reserve being made is missing until it is). */
  missing(): number {
    return Math.max(0, this.bytes - this.held());
  }

  /** Whether a making of this reserve is under way (and not cancelled). */
  making(): boolean {
    const m = makings.get(this.path);
    return m !== undefined && m.cancel === undefined;
  }

  /** Resolves once no making of this reserve is in flight (whatever its outcome). */
  async settled(): Promise<void> {
    for (let m = makings.get(this.path); m; m = makings.get(this.path)) await m.done.catch(() => false);
  }

  /**
   * Makes (or completes) the reserve, writing zeros and fsyncing, off the event loop; resolves
   * true once it is whole and synced. A making already under way is joined, not doubled. On a
   * full disk it stops, gives back what it had written this time and resolves false; never
   * rejects for ENOSPC. Released (`release`) or stopped (`stopMaking`) meanwhile, it resolves
   * false.
   */
  ensure(): Promise<boolean> {
    const current = makings.get(this.path);
    if (current && current.cancel === undefined) return current.done;
    if (!current && (this.bytes <= 0 || this.missing() === 0)) return Promise.resolve(true);
    const making: Making = { done: Promise.resolve(false) };
    making.done = (async () => {
      // A cancelled making still settling (its last piece, its giving back) goes first.
      if (current) await current.done.catch(() => false);
      return this.write(making);
    })().finally(() => {
      if (makings.get(this.path) === making) makings.delete(this.path);
    });
    makings.set(this.path, making);
    return making.done;
  }

  /**
   * Whether the file system has twice the missing part available, so that taking the reserve
   * back does not fill the disk again at once.
   */
  hasRoom(): boolean {
    const missing = this.missing();
    if (missing === 0) return true;
    try {
      const fs = statfsSync(dirname(this.path));
      return fs.bavail * fs.bsize >= missing * 2;
    } catch {
      return false;
    }
  }

  /**
   * Makes the reserve only when the file system has room for it (`hasRoom`), or joins the
   * making under way; resolves whether it is whole.
   */
  async ensureIfRoom(): Promise<boolean> {
    if (this.missing() === 0 && !makings.has(this.path)) return true;
    if (!this.making() && !this.hasRoom()) return false;
    return this.ensure();
  }

  /**
   * Gives the reserve's blocks back to the file system; returns how many bytes. The file stays,
   * empty, as the mark that the reserve was released (and not never made): see `wasReleased`.
   * A making under way stops at its next piece and leaves the file empty.
   */
  release(): number {
    const m = makings.get(this.path);
    if (m) m.cancel = 'released';
    const held = this.held();
    if (held > 0) truncateSync(this.path, 0);
    return held;
  }

  /**
   * Stops a making under way at its next piece; what it wrote goes again (the file is as it was
   * before it). For the guard's stop: a reserve left half made would read as released at the
   * next start.
   */
  stopMaking(): void {
    const m = makings.get(this.path);
    if (m && m.cancel === undefined) m.cancel = 'stopped';
  }

  /** Whether the reserve was made once and is not whole now (released, or cut short by a crash). */
  wasReleased(): boolean {
    return this.bytes > 0 && existsSync(this.path) && this.missing() > 0;
  }

  private async write(making: Making): Promise<boolean> {
    if (this.bytes <= 0 || this.missing() === 0) return true;
    const existed = existsSync(this.path);
    let fh: FileHandle | undefined;
    let start = 0;
    try {
      fh = await open(this.path, 'a');
      start = (await fh.stat()).size;
      const zeros = Buffer.alloc(Math.max(1, Math.min(CHUNK_BYTES, this.bytes - start)));
      for (let size = start; size < this.bytes && !making.cancel; ) {
        const n = Math.min(zeros.length, this.bytes - size);
        size += (await fh.write(zeros, 0, n)).bytesWritten;
      }
      if (!making.cancel) await fh.sync();
      if (!making.cancel) return true;
      this.giveBack(fh, making, existed, start);
      return false;
    } catch (e) {
      this.giveBack(fh, making, existed, start);
      if (isNoSpace(e)) return false;
      throw e;
    } finally {
      await fh?.close();
    }
  }

  /**
   * What a making that does not finish wrote goes again, at once (synchronously, so that no
   * release comes in between): the store needs it more than the reserve does. Released
   * meanwhile, the file is left empty; otherwise a reserve made before is left as it was (empty
   * when released before), and one never made leaves no file.
   */
  private giveBack(fh: FileHandle | undefined, making: Making, existed: boolean, start: number): void {
    if (making.cancel === 'released') {
      if (fh) ftruncateSync(fh.fd, 0);
      else if (existsSync(this.path)) truncateSync(this.path, 0);
    } else if (!existed) this.removeFile();
    else if (fh) ftruncateSync(fh.fd, start);
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
