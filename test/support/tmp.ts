import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();

/** A fresh directory under os.tmpdir(); removed by removeTempDirs (use in afterEach). */
export async function makeTempDir(prefix = 'gatepost-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  const all = [...dirs];
  dirs.clear();
  await Promise.all(all.map((d) => rm(d, { recursive: true, force: true })));
}
