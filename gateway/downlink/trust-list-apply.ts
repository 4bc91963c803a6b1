import { readFileSync } from 'node:fs';
import { readFileCapped } from '../../core/read-file-capped.ts';
import { MAX_TRUST_LIST_BYTES, parseTrustList, type TrustListFile } from '../passes/trust-list.ts';
import { removeStaleTemps, writeFileAtomic } from './atomic-file.ts';

/** Where a trust list from the centre goes, and where the one it replaces is kept. */
export interface TrustListTarget {
  /** `passes.trustListPath`: the file the trust list watcher reads. */
  path: string;
  /** `downlink.previousTrustListPath`, default `<path>.previous`. */
  previousPath: string;
}

/** Validates a trust-list payload with the trust list's own schema; throws a GatepostError. */
export function trustListPayload(payload: unknown): TrustListFile {
  return parseTrustList(payload, 'downlink trust list');
}

/**
 * Installs a trust list: the current file is first copied to `previousPath` (atomically, so a
 * rollback by hand is a rename), then the new list replaces `path` atomically; the watcher of
 * passes.trustListPath (gateway/passes/trust-list-watcher.ts) sees the rename and reloads.
 * A power cut leaves `path` holding the old list or the new one, whole.
 */
export function installTrustList(target: TrustListTarget, list: TrustListFile): void {
  removeStaleTemps(target.path);
  removeStaleTemps(target.previousPath);
  let current: Buffer | undefined;
  try {
    current = readFileCapped(target.path, MAX_TRUST_LIST_BYTES);
  } catch {
    current = undefined; // no list yet (or an unreadable one: nothing worth keeping)
  }
  if (current) writeFileAtomic(target.previousPath, current, 'downlink');
  writeFileAtomic(target.path, Buffer.from(`${JSON.stringify(list)}\n`), 'downlink');
}

/** The list kept by the last install, if any (for tests and a rollback by hand). */
export function previousTrustList(target: TrustListTarget): string | undefined {
  try {
    return readFileSync(target.previousPath, 'utf8');
  } catch {
    return undefined;
  }
}
