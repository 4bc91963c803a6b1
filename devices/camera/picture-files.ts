import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Pictures kept on disk (cameras.keepPictures): one folder per day, each file named by its
 * SHA-256 (a repeated picture is one file). Deleted with the personal data's retention
 * (storage.personalDataRetentionDays) by `prunePictures`.
 */
export async function keepPicture(dir: string, at: number, sha256: string, data: Buffer): Promise<string> {
  const day = new Date(at).toISOString().slice(0, 10);
  const folder = join(dir, day);
  await mkdir(folder, { recursive: true, mode: 0o750 });
  const path = join(folder, `${sha256}.jpg`);
  await writeFile(path, data, { mode: 0o640 });
  return path;
}

/** Deletes the day folders whose files are all older than `olderThan` (epoch ms); returns how many. */
export async function prunePictures(dir: string, olderThan: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(name)) continue;
    const folder = join(dir, name);
    const dayEnd = Date.parse(`${name}T00:00:00Z`) + 86_400_000;
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory() || dayEnd > olderThan) continue;
    await rm(folder, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
