import { statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.ts';
import type { TrustStore } from './trust-list.ts';
import { loadTrustListInThread } from './trust-list-thread.ts';

/**
 * The trust list's first load, started as the gateway starts (gateway/app.ts), so that its thread
 * reads and imports the list while the store opens and the broker's thread boots, instead of after
 * them: on a cold start the load was the longest step (a thread of its own to start, its modules
 * to load, at nice 10). The TrustListWatcher takes it as its own first load when the file has not
 * changed since (`stamp`); otherwise it loads the file again. Nothing is decided on it before the
 * lanes start: they start once the watcher's first load is done, as before.
 */
export interface FirstTrustLoad {
  /** The absolute path loaded. */
  readonly file: string;
  /** The file's identity when the load began (size, mtime, inode), or undefined if it was missing. */
  readonly stamp: string | undefined;
  /** The load's outcome; a failure is the watcher's to report (alarm), never unhandled. */
  readonly store: Promise<TrustStore>;
}

/** Identifies one version of a file well enough to tell that it was rewritten or replaced. */
export function fileStamp(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

export function startFirstTrustLoad(file: string, log: Logger): FirstTrustLoad {
  const absolute = path.resolve(file);
  const stamp = fileStamp(absolute);
  const store = loadTrustListInThread(absolute, log);
  store.catch(() => {}); // reported where the watcher awaits it
  return { file: absolute, stamp, store };
}

/** The first load's store if it read `file` as it is now; undefined if the watcher must load it again. */
export function firstLoadOf(
  first: FirstTrustLoad | undefined,
  file: string,
): Promise<TrustStore> | undefined {
  if (!first || first.file !== file) return undefined;
  return fileStamp(file) === first.stamp ? first.store : undefined;
}
