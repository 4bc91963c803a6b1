import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { type Clock, systemClock, type TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import { MAX_DSC_PER_KID } from './dsc.ts';
import { emptyTrustStore, MAX_KEYS_PER_KID, type TrustStore, trustStoreSize } from './trust-list.ts';
import { type FirstTrustLoad, firstLoadOf } from './trust-list-first-load.ts';
import { loadTrustListInThread } from './trust-list-thread.ts';

export interface TrustListEvents extends Record<string, unknown> {
  /** A trust list was (re)loaded; passes verify against it from now on. */
  loaded: { path: string; keys: number; dsc: number };
  /** The trust list is missing or unreadable: every pass now verifies as untrusted. */
  alarm: { path: string; code: typeof ErrorCode.TrustListUnreadable; message: string };
}

export interface TrustListWatcherOptions {
  path: string;
  log: Logger;
  clock?: Clock;
  /** Quiet time after the last change before the file is re-read (writers touch it several times). */
  debounceMs?: number;
  /** How often to try again to watch a directory that does not exist (yet). */
  retryMs?: number;
  /** A load of the file begun earlier (trust-list-first-load.ts): taken as the first load if the file is unchanged. */
  first?: FirstTrustLoad;
}

/**
 * Keeps the trust list of `passes.trustListPath` loaded: reads it at start, re-reads it after
 * every change of its directory (debounced; editors and atomic renames both show up there), and
 * never throws. A missing or unreadable file raises an `alarm` event and a log line, and leaves
 * an empty store, so every pass verifies as untrusted until a good file appears.
 * Each load runs on a thread of its own (trust-list-thread.ts); the store of the moment serves
 * passes until the new one is complete, then the new one replaces it in one assignment.
 */
export class TrustListWatcher {
  readonly events: EventBus<TrustListEvents>;
  private store: TrustStore = emptyTrustStore();
  private watcher: FSWatcher | undefined;
  private debounce: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private stopped = true;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private readonly file: string;
  private first: FirstTrustLoad | undefined;

  constructor(private readonly options: TrustListWatcherOptions) {
    this.file = path.resolve(options.path);
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 200;
    this.retryMs = options.retryMs ?? 5000;
    this.first = options.first;
    this.events = new EventBus<TrustListEvents>(options.log);
  }

  /** The trust store of the moment; hand `() => watcher.current()` to the PassVerifier. */
  current(): TrustStore {
    return this.store;
  }

  /** Loads the trust list and starts watching; resolves once the first load is done. */
  async start(): Promise<void> {
    this.stopped = false;
    this.watchDirectory();
    await this.reload();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    this.clock.clearTimeout(this.debounce);
    this.clock.clearTimeout(this.retry);
  }

  /** Re-reads the file now. Calls during a load queue one more load after it. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = this.loadLoop().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadLoop(): Promise<void> {
    do {
      this.reloadAgain = false;
      await this.loadOnce();
    } while (this.reloadAgain && !this.stopped);
  }

  private async loadOnce(): Promise<void> {
    try {
      const first = firstLoadOf(this.first, this.file);
      this.first = undefined;
      const store = await (first ?? loadTrustListInThread(this.file, this.options.log));
      if (this.stopped) return;
      this.store = store;
      const size = trustStoreSize(this.store);
      this.options.log.info({ path: this.file, ...size }, 'trust list loaded');
      const skipped = store.skipped;
      if (skipped && skipped.duplicateDsc + skipped.duplicateKeys > 0)
        this.options.log.warn(
          { path: this.file, duplicates: skipped.duplicateDsc, duplicateKeys: skipped.duplicateKeys },
          'trust list names the same DSC or key more than once; each is kept once',
        );
      const crowded = Object.entries(skipped?.crowdedKids ?? {});
      if (crowded.length > 0)
        this.options.log.warn(
          {
            path: this.file,
            // A hostile list may crowd thousands of kids: the log line names the first ten.
            crowdedKids: Object.fromEntries(crowded.slice(0, 10)),
            crowdedKidCount: crowded.length,
            keptDsc: MAX_DSC_PER_KID,
            keptKeys: MAX_KEYS_PER_KID,
          },
          'trust list has more DSCs or keys under one key id than are kept; the rest are left out',
        );
      this.events.emit('loaded', { path: this.file, ...size });
    } catch (e) {
      this.store = emptyTrustStore();
      const message = errorMessage(e);
      this.options.log.error(
        { path: this.file, code: ErrorCode.TrustListUnreadable, err: message },
        'trust list missing or unreadable: every pass verifies as untrusted',
      );
      this.events.emit('alarm', { path: this.file, code: ErrorCode.TrustListUnreadable, message });
    }
  }

  private watchDirectory(): void {
    if (this.stopped) return;
    const dir = path.dirname(this.file);
    const name = path.basename(this.file);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, changed) => {
        if (changed === null || changed.toString() === name) this.scheduleReload();
      });
      this.watcher.on('error', (err) => {
        // The directory went away (or the watch broke): look again later, and re-read then.
        this.options.log.warn({ path: dir, err: errorMessage(err) }, 'trust list directory watch failed');
        this.watcher?.close();
        this.watcher = undefined;
        this.scheduleRetry();
      });
    } catch (e) {
      this.options.log.warn({ path: dir, err: errorMessage(e) }, 'cannot watch trust list directory yet');
      this.scheduleRetry();
    }
  }

  private scheduleReload(): void {
    this.clock.clearTimeout(this.debounce);
    this.debounce = this.clock.setTimeout(() => {
      this.debounce = undefined;
      if (!this.stopped) void this.reload();
    }, this.debounceMs);
  }

  private scheduleRetry(): void {
    this.clock.clearTimeout(this.retry);
    this.retry = this.clock.setTimeout(() => {
      this.retry = undefined;
      this.watchDirectory();
      if (this.watcher) this.scheduleReload();
    }, this.retryMs);
  }
}
