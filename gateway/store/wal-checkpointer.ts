import type { Database } from 'better-sqlite3';
import type { Logger } from '../../core/logger.ts';
import type { RecordStore } from './record-store.ts';

export interface WalCheckpointerOptions {
  db: Database;
  store: RecordStore;
  log: Logger;
  /** A checkpoint at least this often while records are being committed. */
  intervalMs: number;
  /** ... and as soon as this many rows were committed since the last one. */
  rows: number;
}

/** How long a checkpoint waits for the store to have nothing queued before trying again. */
const BUSY_RETRY_MS = 20;

/**
 * Copies the WAL back into the database between commits, never inside one. SQLite's own
 * automatic checkpoint runs in the commit that takes the WAL past its threshold: that commit
 * then pays for copying up to 4 MB and for two more fsyncs, and when it is a lane's decision the
 * barrier waits for all of it (5-20 ms under load, the largest of the latencies left in the
 * rush-hour bench). Here a PASSIVE checkpoint runs on its own turn of the event loop once
 * `rows` rows were committed or `intervalMs` passed with any, and only while nothing is queued
 * in the store; a decision that comes during one waits for it at most once. The database keeps a
 * far larger automatic threshold as a backstop (database.ts), should this not run.
 */
export class WalCheckpointer {
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly offCommit: () => void;
  /** Checkpoints run so far (read by the tests). */
  runs = 0;

  constructor(private readonly o: WalCheckpointerOptions) {
    this.offCommit = o.store.onCommit(({ records }) => {
      this.rows += records.length;
      if (this.rows >= o.rows) this.schedule(0);
    });
    this.timer = setInterval(() => {
      if (this.rows > 0) this.schedule(0);
    }, o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.offCommit();
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  private schedule(ms: number): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.run();
    }, ms);
    this.soon.unref();
  }

  private run(): void {
    if (this.stopped) return;
    if (this.o.store.queued() > 0) {
      this.schedule(BUSY_RETRY_MS);
      return;
    }
    this.rows = 0;
    try {
      this.o.db.pragma('wal_checkpoint(PASSIVE)');
      this.runs++;
    } catch (err) {
      // A failed checkpoint loses nothing (the WAL keeps the records); the next one tries again.
      this.o.log.warn({ err }, 'WAL checkpoint failed');
    }
  }
}
