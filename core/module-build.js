// Builds a TypeScript entry of the project into plain ES modules with esbuild, so that a process
// or a worker thread needs no TypeScript loader at run time: tsx's loader thread and transform
// caches cost the gateway ~35 MB of RSS and most of a second of its cold start on a 2-core box.
// Plain JavaScript, in core/: bin/gatepost.js loads it before any TypeScript can run, and the
// worker threads' starter (core/worker-code.ts) builds each thread's entry with it; it imports
// nothing of the project. The release build (bin/bundle.js) shares its esbuild session.
//
// The build takes our sources only (packages stay imports, resolved from node_modules), keeps
// every `import.meta.url` / `dirname` / `filename` pointing at the source file it was written in
// (data files are found beside the sources as before), and lands in a folder of
// node_modules/.cache/gatepost/ named by the hash of its content. A build lists the files it was
// made of with their sizes and times (<entry>.current); while none of them changed, the next
// start uses it without running esbuild at all. Should it fail (no esbuild, a read-only
// install), or with GATEPOST_TSX=1, the sources run through tsx as they always could.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'gatepost');
const SELF = fileURLToPath(import.meta.url);

/** Builds running now: esbuild's service is stopped only when the last one ends. */
let active = 0;

// Spelt so that this file, which the builds take in too (core/worker-code.ts imports it), keeps
// its search strings when its own import.meta paths are rewritten.
export const META = ['import', 'meta'].join('.');

/** Runs `build` with esbuild loaded; its service is stopped once no other build needs it. */
export async function withEsbuild(build) {
  const esbuild = await import('esbuild');
  active++;
  try {
    return await build(esbuild);
  } finally {
    if (--active === 0) await esbuild.stop();
  }
}

/** Each module's own import.meta paths, as literals, inside the one bundle. */
const importMetaPlugin = {
  name: 'gatepost-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[jt]s$/ }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const contents = source
        .replaceAll(`${META}.url`, JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll(`${META}.dirname`, JSON.stringify(dirname(args.path)))
        .replaceAll(`${META}.filename`, JSON.stringify(args.path));
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/**
 * Builds `entry` (a .ts path) into the cache; resolves with the file URL of its module. What it
 * imports dynamically stays in chunks of its own, loaded only when imported (the cluster's Redis
 * clients, the simulator, the broker when it runs on its own thread).
 */
export async function buildBundle(entry) {
  // Running from a release build (dist/, bin/dist.js): its prebuilt module, no esbuild at all.
  const prebuilt = distEntry(entry);
  if (prebuilt) return prebuilt;
  const name = entry
    .slice(ROOT.length + 1)
    .replace(/\.ts$/, '')
    .replaceAll(/[/\\]/g, '.');
  const pointer = join(CACHE, `${name}.current`);
  const current = upToDate(pointer);
  if (current) return current;
  const out = await withEsbuild((esbuild) =>
    esbuild.build({
      entryPoints: { entry },
      absWorkingDir: ROOT,
      metafile: true,
      bundle: true,
      splitting: true,
      outdir: '/',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
      plugins: [importMetaPlugin],
    }),
  );
  const files = out.outputFiles ?? [];
  if (!files.some((f) => f.path === '/entry.js')) throw new Error('esbuild produced no entry module');
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.path).update(f.text);
  const dir = join(CACHE, `${name}.${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dir, 'entry.js'))) {
    // Written aside and renamed: a process starting at the same moment never loads half of it.
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    for (const f of files) {
      mkdirSync(dirname(join(tmp, f.path)), { recursive: true });
      writeFileSync(join(tmp, f.path), f.text);
    }
    try {
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'entry.js'))) throw err; // else another process won the race
    }
  }
  // What it was made of (this file too: its options), for the next start's up-to-date check.
  const inputs = [...Object.keys(out.metafile?.inputs ?? {}).map((f) => join(ROOT, f)), SELF].map((f) => {
    const st = statSync(f);
    return [f, st.size, st.mtimeMs];
  });
  const tmp = `${pointer}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ dir, inputs }));
  renameSync(tmp, pointer);
  return pathToFileURL(join(dir, 'entry.js'));
}

/** `entry` as built into the dist/ this process runs from (GATEPOST_DIST), if it is there. */
function distEntry(entry) {
  const dist = process.env.GATEPOST_DIST;
  if (!dist) return undefined;
  try {
    const { entries } = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    const file = entries?.[relative(ROOT, entry).replaceAll('\\', '/')];
    return file && existsSync(join(dist, file)) ? pathToFileURL(join(dist, file)) : undefined;
  } catch {
    return undefined;
  }
}

/** The last build's entry, if every file it was made of is as it was then; else undefined. */
function upToDate(pointer) {
  try {
    const { dir, inputs } = JSON.parse(readFileSync(pointer, 'utf8'));
    if (!existsSync(join(dir, 'entry.js')) || !Array.isArray(inputs) || inputs.length === 0) return undefined;
    // A build made from another checkout that shares this node_modules is not this one's.
    if (inputs.some(([f]) => relative(ROOT, f).startsWith('..'))) return undefined;
    for (const [f, size, mtimeMs] of inputs) {
      const st = statSync(f);
      if (st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
    }
    return pathToFileURL(join(dir, 'entry.js'));
  } catch {
    return undefined; // no build yet, or a file it was made of is gone
  }
}

/** Imports `entry` built, or through tsx if it cannot be built (the reason goes to stderr). */
export async function importBundled(entry) {
  if (process.env.GATEPOST_TSX !== '1') {
    let url;
    try {
      url = await buildBundle(entry);
    } catch (err) {
      process.stderr.write(`gatepost: running the sources through tsx (${err?.message ?? err})\n`);
    }
    if (url) return import(url.href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(entry).href);
}
