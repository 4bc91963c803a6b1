// Which release build (dist/, `npm run build`) the `gatepost` command runs, if any. Plain
// JavaScript with no imports but Node's: it runs before anything is built or loaded.
//
// - An installed release has no TypeScript sources beside its dist/: it always runs dist/.
// - A dev checkout runs dist/ only while it is current: every file it was built from has the size
//   and time its manifest lists. Otherwise the sources are built at start as before (bin/bundle.js),
//   silently: a dist/ older than the sources is normal while one works on them.
// - GATEPOST_DIST=off (or GATEPOST_TSX=1) never runs dist/.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/** The manifest of dist/, or undefined if there is no complete build. */
export function readDistManifest(dir = DIST) {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    if (!m || typeof m.entries !== 'object') return undefined;
    for (const file of Object.values(m.entries)) if (!existsSync(join(dir, file))) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** Whether this is an installed release: dist/ and no sources to build. */
export function isRelease() {
  return !existsSync(join(ROOT, 'gateway', 'cli', 'main.ts'));
}

/** The first file dist/ was built from that changed since, or undefined if none did. */
export function staleInput(manifest) {
  for (const [rel, size, mtimeMs] of manifest.inputs ?? []) {
    try {
      const st = statSync(join(ROOT, rel));
      if (st.size !== size || st.mtimeMs !== mtimeMs) return rel;
    } catch {
      return rel;
    }
  }
  return undefined;
}

/** The dist/ folder to run, or undefined to build the sources at start. */
export function distToRun() {
  const env = process.env.GATEPOST_DIST;
  if (env === 'off' || env === '0' || process.env.GATEPOST_TSX === '1') return undefined;
  const manifest = readDistManifest();
  if (!manifest) return undefined;
  if (isRelease()) return DIST;
  return staleInput(manifest) === undefined ? DIST : undefined;
}
