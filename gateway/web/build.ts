import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type * as esbuild from 'esbuild';
import { ErrorCode, GatepostError } from '../../core/errors.ts';

/**
 * Bundles the pages' TypeScript and CSS (gateway/web/client) for the browser with esbuild: one
 * entry per page, shared code (mqtt.js's browser build, zod, the topic table) split into common
 * chunks, every file named by its content hash so it can be cached for good. The server runs
 * this once per process at start (about 0.2 s) and keeps the result in memory, gzipped; nothing
 * is written to disk and nothing is fetched from the internet, then or later.
 *
 * Browser code may import only browser-safe modules: a plugin refuses every Node built-in
 * (`node:*`, `fs`, ...), naming the file that imported it, so a stray import fails the build.
 * `npm run build:web` runs the same build and prints what it made.
 *
 * A release build (`npm run build`, bin/build.js) writes the bundles to dist/web/ with a
 * manifest (writeWebAssets); a gateway running from dist/ (GATEPOST_DIST, bin/gatepost.js)
 * serves those and never loads esbuild, which a release does not install.
 */
export const PAGES = ['kiosk', 'yard'] as const;
export type PageName = (typeof PAGES)[number];

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
  etag: string;
}

export interface WebAssets {
  /** By URL path, e.g. `/assets/kiosk-3FJ2K1.js`. */
  files: ReadonlyMap<string, Asset>;
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

/** Builds every page's bundle in memory. Throws with esbuild's messages on any error. */
export async function buildWebAssets(options: { minify?: boolean } = {}): Promise<WebAssets> {
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
    plugins: [browserOnly],
  });
  const outdir = join(ROOT, 'dist/web');
  const files = new Map<string, Asset>();
  for (const f of result.outputFiles) {
    const path = ASSET_PREFIX + relative(outdir, f.path);
    const ext = path.slice(path.lastIndexOf('.'));
    const body = Buffer.from(f.contents);
    files.set(path, {
      body,
      gzip: gzipSync(body, { level: 9 }),
      contentType: TYPES[ext] ?? 'text/plain; charset=utf-8',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
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
    files,
    pages,
    inputs: Object.keys(result.metafile.inputs).sort(),
    buildMs: Math.round(performance.now() - t0),
  };
}

/** What writeWebAssets writes beside the bundles: `manifest.json` of dist/web/. */
interface PrebuiltManifest {
  pages: WebAssets['pages'];
  files: Record<string, string>;
}

/**
 * Builds the bundles and writes them into `dir` (dist/web/ of a release build) with their
 * manifest; resolves with the sources they were made of (relative path, size, mtime).
 */
export async function writeWebAssets(dir: string): Promise<{ inputs: [string, number, number][] }> {
  const assets = await buildWebAssets();
  const manifest: PrebuiltManifest = { pages: assets.pages, files: {} };
  for (const [path, a] of assets.files) {
    const file = join(dir, path.slice(ASSET_PREFIX.length));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, a.body);
    manifest.files[path] = a.contentType;
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return {
    inputs: assets.inputs.map((f) => {
      const st = statSync(join(ROOT, f));
      return [f, st.size, st.mtimeMs];
    }),
  };
}

/** The bundles a release build wrote in `dir`, read back (and gzipped) as the server keeps them. */
export function readWebAssets(dir: string): WebAssets {
  const t0 = performance.now();
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PrebuiltManifest;
  const files = new Map<string, Asset>();
  for (const [path, contentType] of Object.entries(manifest.files)) {
    const body = readFileSync(join(dir, path.slice(ASSET_PREFIX.length)));
    files.set(path, {
      body,
      gzip: gzipSync(body, { level: 9 }),
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
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
    const assets = await buildWebAssets();
    for (const [path, a] of assets.files) {
      if (path.endsWith('.map')) continue;
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      process.stdout.write(
        `${path.padEnd(40)} ${kb(a.body.length).padStart(10)}  gzip ${kb(a.gzip.length)}\n`,
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
