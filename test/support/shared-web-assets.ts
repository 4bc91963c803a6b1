import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { webAssets, writeWebAssets } from '../../gateway/web/build.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The pages' bundles built once for the whole test run instead of once per test file: every file
 * that starts the web server (web-site.ts, sign-in-server.ts) used to run the same esbuild build of
 * gateway/web/client, minified, with source maps, gzipped (1-5 s of a core each on a loaded
 * 2-core box). The first file to ask builds them as a release build does (writeWebAssets) into
 * the run's temp root (os.tmpdir(), test/support/temp-root.ts); every later one has its web server
 * serve them as a release's gateway serves dist/web/ (same bundles of the same sources). Reused
 * only while every source file they were made of has the size and mtime it had then.
 *
 * A process that has chosen a dist/ of its own (GATEPOST_DIST, test/web/prebuilt-assets.test.ts)
 * is left alone, and so is one whose bundles are already loaded: build.ts keeps them per process.
 */
export async function useSharedWebAssets(): Promise<void> {
  if (process.env.GATEPOST_DIST !== undefined) return;
  const dist = join(tmpdir(), 'gatepost-shared-web-dist');
  if (!upToDate(dist)) await buildInto(dist);
  // build.ts reads GATEPOST_DIST when webAssets() is called, and from then on keeps what it read
  // for this process: set only for that call, so nothing else (the broker's thread, the trust
  // list's schemas) takes this folder for a release build.
  process.env.GATEPOST_DIST = dist;
  let loaded: Promise<unknown>;
  try {
    loaded = webAssets();
  } finally {
    delete process.env.GATEPOST_DIST;
  }
  await loaded;
}

type Inputs = [string, number, number][];

function upToDate(dist: string): boolean {
  try {
    const inputs = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8')) as Inputs;
    return (
      inputs.length > 0 &&
      existsSync(join(dist, 'web/manifest.json')) &&
      inputs.every(([file, size, mtimeMs]) => {
        const st = statSync(join(ROOT, file));
        return st.size === size && st.mtimeMs === mtimeMs;
      })
    );
  } catch {
    return false;
  }
}

/** Written aside and renamed into place whole: the other worker may be reading or building it. */
async function buildInto(dist: string): Promise<void> {
  const tmp = `${dist}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const { inputs } = await writeWebAssets(join(tmp, 'web'));
  writeFileSync(join(tmp, 'inputs.json'), JSON.stringify(inputs));
  const old = `${dist}.${process.pid}.old`;
  try {
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
  } catch {
    // The other worker put its build there first: the same sources, so the same bundles.
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    // An old build (sources changed during the run) stays where it is: a server started on it
    // may still read its source maps. The run's temp root goes at the end of the run.
  }
}
