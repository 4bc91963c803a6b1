import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type * as esbuild from 'esbuild';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { microtaskNextTick } from './microtask-next-tick.ts';
import { gzippedAsset, type ServedAsset } from './served-asset.ts';

/**
 * Bundles the pages' TypeScript and CSS (gateway/web/client) for the browser with esbuild: one
 * entry per page, shared code (mqtt.js's browser build, zod, the topic table) split into common
 * chunks, every file named by its content hash so it can be cached for good. The server runs
 * this once per process at start (about 0.2 s) and keeps the result in memory, gzipped only
 * (served-asset.ts), source maps included; nothing is written to disk and nothing is
 * fetched from the internet, then or later.
 *
 * Browser code may import only browser-safe modules: a plugin refuses every Node built-in
 * (`node:*`, `fs`, ...), naming the file that imported it, so a stray import fails the build.
 * mqtt.js's `process` shim drains its nextTick queue as a microtask, not a timer task
 * (microtask-next-tick.ts).
 * `npm run build:web` runs the same build and prints what it made.
 *
 * A release build (`npm run build`, bin/build.js) writes the bundles to dist/web/ with a
 * manifest (writeWebAssets); a gateway running from dist/ (GATEPOST_DIST, bin/gatepost.js)
 * serves those and never loads esbuild, which a release does not install. It keeps the scripts
 * and stylesheets gzipped in memory, but not the source maps (3 MB, three times the rest): they
 * stay in dist/web/ and are read from there when a developer's DevTools asks for one.
 */
export const PAGES = ['kiosk', 'yard'] as const;
export type PageName = (typeof PAGES)[number];

export interface WebAssets {
  /** By URL path, e.g. `/assets/kiosk-3FJ2K1.js`. */
  files: ReadonlyMap<string, ServedAsset>;
  /** Each page's script and stylesheet URL paths. */
  pages: Record<PageName, { script: string; style: string | undefined }>;
  /** Every source file that went into the bundles, relative to the project root. */
  inputs: string[];
  buildMs: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLIENT = join(ROOT, 'gateway/web/client');
const ASSET_PREFIX = '/assets/';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Fails the build on any Node built-in, naming the importer. */
export const browserOnly: esbuild.Plugin = {
  name: 'browser-only',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(args.path)) return undefined;
      return {
        errors: [
          {
            text: `"${args.path}" is a Node module: browser code (and what it imports) must not use it; imported by ${relative(ROOT, args.importer)}`,
          },
        ],
      };
    });
  },
};

/** One file of the build as esbuild made it. */
interface BuiltFile {
  path: string;
  contents: Uint8Array;
  contentType: string;
}

interface WebBuild extends Omit<WebAssets, 'files'> {
  outputs: BuiltFile[];
}

/** Builds every page's bundle in memory and keeps it as served (gzipped). Throws with esbuild's messages. */
export async function buildWebAssets(options: { minify?: boolean } = {}): Promise<WebAssets> {
  const { outputs, ...rest } = await bundleWeb(options);
  const files = new Map(outputs.map((f) => [f.path, gzippedAsset(f.contents, f.contentType)]));
  return { files, ...rest };
}

async function bundleWeb(options: { minify?: boolean }): Promise<WebBuild> {
  const t0 = performance.now();
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, join(CLIENT, p, 'main.ts')])),
    bundle: true,
    platform: 'browser',
    // Chromium of Debian 12 and the kiosks' browsers of the last years.
    target: ['es2022', 'chrome100'],
    format: 'esm',
    splitting: true,
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'linked',
    outdir: join(ROOT, 'dist/web'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [browserOnly, microtaskNextTick],
  });
  const outdir = join(ROOT, 'dist/web');
  const outputs = result.outputFiles.map((f) => {
    const path = ASSET_PREFIX + relative(outdir, f.path);
    const ext = path.slice(path.lastIndexOf('.'));
    return { path, contents: f.contents, contentType: TYPES[ext] ?? 'text/plain; charset=utf-8' };
  });
  const pages = {} as WebAssets['pages'];
  for (const page of PAGES) {
    const out = Object.entries(result.metafile.outputs).find(
      ([, o]) => o.entryPoint !== undefined && resolve(ROOT, o.entryPoint) === join(CLIENT, page, 'main.ts'),
    );
    if (!out) throw new GatepostError(ErrorCode.Internal, `web build: no output for page ${page}`);
    const [script, meta] = out;
    pages[page] = {
      script: ASSET_PREFIX + relative(outdir, resolve(ROOT, script)),
      style: meta.cssBundle ? ASSET_PREFIX + relative(outdir, resolve(ROOT, meta.cssBundle)) : undefined,
    };
  }
  return {
    outputs,
    pages,
    inputs: Object.keys(result.metafile.inputs).sort(),
    buildMs: Math.round(performance.now() - t0),
  };
}

/** What writeWebAssets writes beside the bundles: `manifest.json` of dist/web/. */
interface PrebuiltManifest {
  pages: WebAssets['pages'];
  /** Every file's content type by URL path, source maps included. */
  files: Record<string, string>;
  /**
   * Every file but the source maps, gzipped beside itself (`<file>.gz`): its ETag and size as
   * built, so that a start reads the gzip only and never the file itself.
   */
  gzipped?: Record<string, { etag: string; size: number }>;
}

/**
 * Builds the bundles and writes them into `dir` (dist/web/ of a release build) with their
 * manifest; resolves with the sources they were made of (relative path, size, mtime).
 */
export async function writeWebAssets(dir: string): Promise<{ inputs: [string, number, number][] }> {
  const assets = await bundleWeb({});
  const gzipped: NonNullable<PrebuiltManifest['gzipped']> = {};
  const manifest: PrebuiltManifest = { pages: assets.pages, files: {}, gzipped };
  for (const f of assets.outputs) {
    const file = join(dir, f.path.slice(ASSET_PREFIX.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, f.contents);
    manifest.files[f.path] = f.contentType;
    if (f.path.endsWith('.map')) continue;
    const served = gzippedAsset(f.contents, f.contentType);
    writeFileSync(`${file}.gz`, served.gzip);
    gzipped[f.path] = { etag: served.etag, size: served.size };
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return {
    inputs: assets.inputs.map((f) => {
      const st = statSync(join(ROOT, f));
      return [f, st.size, st.mtimeMs];
    }),
  };
}

/**
 * The bundles a release build wrote in `dir` as the server keeps them: scripts and stylesheets
 * as the gzip the build wrote (the file itself is not read, nor compressed at every start),
 * source maps left on disk (read on request, served-asset.ts).
 */
export function readWebAssets(dir: string): WebAssets {
  const t0 = performance.now();
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PrebuiltManifest;
  const files = new Map<string, ServedAsset>();
  for (const [path, contentType] of Object.entries(manifest.files)) {
    const file = join(dir, path.slice(ASSET_PREFIX.length));
    const gzipped = manifest.gzipped?.[path];
    if (path.endsWith('.map')) files.set(path, { kind: 'on-disk', contentType, file });
    else if (gzipped)
      files.set(path, { kind: 'gzipped', contentType, gzip: readFileSync(`${file}.gz`), ...gzipped });
    else files.set(path, gzippedAsset(readFileSync(file), contentType));
  }
  return { files, pages: manifest.pages, inputs: [], buildMs: Math.round(performance.now() - t0) };
}

/** dist/web/ of the release build this process runs from, if any (bin/gatepost.js sets GATEPOST_DIST). */
function prebuiltDir(): string | undefined {
  const dist = process.env.GATEPOST_DIST;
  const dir = dist ? join(dist, 'web') : undefined;
  return dir && existsSync(join(dir, 'manifest.json')) ? dir : undefined;
}

let cached: Promise<WebAssets> | undefined;

/** The bundles of this process: built (or read from a release build) on the first call, kept after. */
export function webAssets(): Promise<WebAssets> {
  const dir = prebuiltDir();
  cached ??= (dir ? Promise.resolve().then(() => readWebAssets(dir)) : buildWebAssets()).catch(
    (e: unknown) => {
      cached = undefined;
      throw e;
    },
  );
  return cached;
}

/** `npm run build:web`: the same build as the server's, with a list of what it made. */
async function main(): Promise<number> {
  try {
    const assets = await bundleWeb({});
    for (const f of assets.outputs) {
      if (f.path.endsWith('.map')) continue;
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      process.stdout.write(
        `${f.path.padEnd(40)} ${kb(f.contents.length).padStart(10)}  gzip ${kb(gzipSync(f.contents, { level: 9 }).length)}\n`,
      );
    }
    process.stdout.write(`${assets.inputs.length} source files, built in ${assets.buildMs} ms\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`web build failed:\n${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
