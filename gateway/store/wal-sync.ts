import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/** What the record store needs of a WAL sync (a test wraps the real one to hold it back). */
export interface WalSyncer {
  /** Resolves once everything written to the WAL before the call is on the disk. */
  sync(): Promise<void>;
  /** The same, on this thread. */
  syncNow(): void;
  /** Lets the descriptor go once no sync is under way. */
  close(): void;
}

/**
 * Makes the store's WAL durable off the event loop: `fdatasync` of the WAL file on libuv's
 * thread pool, through a descriptor of its own (fdatasync flushes the file, whichever
 * descriptor wrote it). The record store commits its batches with `synchronous=NORMAL` (SQLite
 * writes the frames but does not sync) and resolves them only once a sync that started after the
 * commit has finished (record-store.ts), so a record is as durable when its `append` resolves as
 * with `synchronous=FULL`, while the lanes, the cameras and the broker go on meanwhile.
 *
 * The WAL file lives as long as the database has a connection open in WAL mode: SQLite deletes
 * it only when the last one closes, after checkpointing everything into the database file. A
 * checkpoint only truncates it (same file). So one descriptor, opened with the store, stays right.
 */
export class WalSync implements WalSyncer {
  private inFlight = 0;
  private closing = false;
  private released = false;

  private constructor(private readonly fd: number) {}

  /**
   * The WAL of `db`, or undefined where there is none to sync (an in-memory database, a journal
   * mode other than WAL, a WAL file not there): then the store syncs as SQLite does (`FULL`).
   */
  static open(db: Database): WalSync | undefined {
    if (db.memory || db.name === '' || db.name === ':memory:') return undefined;
    if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
    try {
      return new WalSync(openSync(`${db.name}-wal`, 'r'));
    } catch {
      return undefined;
    }
  }

  /** Resolves once everything written to the WAL before the call is on the disk. */
  sync(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the WAL sync is closed'));
    this.inFlight++;
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (err) => {
        this.inFlight--;
        if (this.closing && this.inFlight === 0) this.release();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** The same, on this thread (for closing: nothing may stay unsynced). */
  syncNow(): void {
    if (this.released) throw new Error('the WAL sync is closed');
    fdatasyncSync(this.fd);
  }

  /** Closes the descriptor once no sync is under way; no sync may be asked for after. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.inFlight === 0) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    closeSync(this.fd);
  }
}
