import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

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
    if (!out) throw new Error(`web build: no output for page ${page}`);
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

let cached: Promise<WebAssets> | undefined;

/** The bundles of this process: built on the first call, kept in memory after. */
export function webAssets(): Promise<WebAssets> {
  cached ??= buildWebAssets().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
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
