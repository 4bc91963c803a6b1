import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Temp files of this module: `.<name>.<tag>-<pid>.tmp` next to the file they replace. */
function tempName(file: string, tag: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}-${process.pid}.tmp`);
}

/** Makes a rename or an unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `bytes` so that a power cut at any moment leaves either the old content
 * or the new one, never a mix: written to a temp file in the same directory, fsynced, renamed
 * over `file` (atomic on POSIX), then the directory fsynced so the rename itself is durable.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array, tag = 'write'): void {
  const tmp = tempName(file, tag);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Removes temp files of `file` left by a process that died while writing (any pid but ours). */
export function removeStaleTemps(file: string): number {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp') || name.endsWith(`-${process.pid}.tmp`)) continue;
    try {
      unlinkSync(path.join(dir, name));
      removed++;
    } catch {
      // someone else removed it
    }
  }
  return removed;
}
