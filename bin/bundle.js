// The release build (`npm run build`, bin/build.js; the tarball, bin/release.js): the gateway's
// entries as plain ES modules in dist/. The build of one entry into the cache at start, which the
// gateway's worker threads use too, is core/module-build.js; its two functions are re-exported
// here for the scripts of bin/.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBundled, META, ROOT, withEsbuild } from '../core/module-build.js';

export { buildBundle, importBundled } from '../core/module-build.js';

const SELF = fileURLToPath(import.meta.url);

/** The entries of the release build: source (relative to the root) to its module in dist/. */
export const DIST_ENTRIES = {
  'gateway/cli/main.ts': 'main.js',
  'broker/broker-worker.ts': 'broker-worker.js',
  'gateway/passes/trust-list-worker.ts': 'trust-list-worker.js',
  // Loaded by bin/gatepost.js before the gateway, to begin the broker's thread at once.
  'broker/broker-early-thread.ts': 'broker-early-thread.js',
};

/**
 * Packages the release build leaves as imports from node_modules: native modules (and the packages
 * that load them by path), the build tools, the Redis cluster backend (loaded only when configured)
 * Ajv (only the sources' DCC check uses it; a release has its validators prebuilt) and iconv-lite
 * (its code tables, for Chinese receipts only). Every other
 * package is bundled into dist/: one file read and compiled instead of hundreds resolved, statted
 * and read at each start (bench: ~0.15-0.2 s of the release's cold start on the bench machine).
 * Their licences stay with them in node_modules, which the release still installs.
 */
const KEPT_EXTERNAL = [
  'better-sqlite3',
  '@serialport/bindings-cpp',
  'cbor-x',
  'cbor-extract',
  'onoff',
  'koffi',
  'epoll',
  'esbuild',
  'tsx',
  'ioredis',
  'aedes-persistence-redis',
  'mqemitter-redis',
  'ajv',
  'ajv/*',
  'playwright-core',
  // Only a receipt with Chinese text needs it (devices/printer/escpos-encoder.ts, GB18030): bundled,
  // its code tables were 500 KB of the gateway's main chunk, kept as source text in the heap and
  // scanned at every start; from node_modules they are read when first asked for.
  'iconv-lite',
];

/**
 * Each module's own import.meta paths, as paths relative to the dist/ module that holds it: every
 * module of dist/ sits directly in it, so `../gateway/passes/x.ts` from there is where the source
 * file sat beside its data files, wherever the release is installed.
 */
const distImportMetaPlugin = (at) => ({
  name: 'gatepost-dist-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[jt]s$/ }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const rel = relative(join(ROOT, at), args.path).replaceAll('\\', '/');
      const relDir = `${dirname(rel)}/`;
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      const source = readFileSync(args.path, 'utf8');
      const contents = source
        .replaceAll(`${META}.url`, url)
        .replaceAll(
          `${META}.dirname`,
          `__gatepostFileURLToPath(new URL(${JSON.stringify(relDir)}, import.meta.url)).replace(/[\\\\/]$/, '')`,
        )
        .replaceAll(`${META}.filename`, `__gatepostFileURLToPath(${url})`);
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
});

/**
 * zod's messages in English only: the package's index of its 60-odd locales (z.locales, which
 * nothing here uses; zod sets English itself) was half of the zod chunk both threads load, ~300 of
 * its 600 KB of source text kept in each isolate's heap. Only the index is replaced, with one that
 * names `en`; if zod moves it, the plugin matches nothing and the build is as before.
 */
const zodEnglishOnlyPlugin = {
  name: 'gatepost-zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * mqtt.js's SOCKS proxy support left out of the release: lib/connect/tcp.js and tls.js require
 * lib/connect/socks.js at their top, and it requires socks, ip-address and smart-buffer, ~93 KB of
 * modules compiled and run at every start (ip-address builds its regular expressions as it loads)
 * for an option no config field sets (mqtt.js reads one from MQTTJS_SOCKS_PROXY only). Replaced by
 * a module whose connection fails with a plain error. If mqtt.js moves the file, the plugin matches
 * nothing and the build is as before.
 */
const mqttNoSocksPlugin = {
  name: 'gatepost-mqtt-no-socks',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]node_modules[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]socks\.js$/ },
      () => ({
        // A stream that fails as a proxy that cannot be reached does (the client's 'error', then its
        // reconnects), not a throw: mqtt.js also takes a proxy from MQTTJS_SOCKS_PROXY in the
        // environment, and a throw from its reconnect timer would end the process.
        contents:
          'Object.defineProperty(exports, "__esModule", { value: true });\n' +
          'const { PassThrough } = require("node:stream");\n' +
          'exports.default = function socksNotInThisBuild() {\n' +
          '  const stream = new PassThrough();\n' +
          '  const error = new Error("mqtt: a SOCKS proxy (socksProxy, MQTTJS_SOCKS_PROXY) is not part of the Gatepost release build");\n' +
          // mqtt.js emits a stream's error to the client only when it has a code.
          '  error.code = "EPROTONOSUPPORT";\n' +
          '  process.nextTick(() => stream.destroy(error));\n' +
          '  return stream;\n' +
          '};\n',
        loader: 'js',
      }),
    );
  },
};

/**
 * The release build (`npm run build`): DIST_ENTRIES and everything they import (dynamic imports
 * in chunks of their own) as plain ES modules in `outdir` (default dist/), packages and so native
 * modules left as imports from node_modules. Written aside and swapped in whole. Its manifest.json
 * lists the entries and the files it was made of (sizes and times: bin/dist.js decides from them
 * whether a dev checkout's dist/ is current). Resolves with the manifest. `at`: where the folder
 * will sit, relative to the root, once in place (import.meta paths are made relative to it);
 * `entries`: other entries than DIST_ENTRIES (the bench's gateway process, bench/release-start-bench.ts).
 */
export async function buildDist(
  outdir = join(ROOT, 'dist'),
  { extra, entries = DIST_ENTRIES, at = 'dist' } = {},
) {
  const tmp = `${outdir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const out = await withEsbuild((esbuild) =>
    esbuild.build({
      entryPoints: Object.fromEntries(
        Object.entries(entries).map(([src, file]) => [file.replace(/\.js$/, ''), join(ROOT, src)]),
      ),
      absWorkingDir: ROOT,
      metafile: true,
      bundle: true,
      splitting: true,
      outdir: tmp,
      chunkNames: '[name]-[hash]',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: KEPT_EXTERNAL,
      write: true,
      logLevel: 'silent',
      // No comments or indentation in the modules: V8 keeps each module's whole source text in the
      // heap of every thread that loads it, as two bytes a character if one comment has a character
      // past Latin-1 (an arrow, a dash). Rush-hour RSS of the release 117 -> 109-110 MB; names stay.
      minifyWhitespace: true,
      banner: {
        js:
          "import { fileURLToPath as __gatepostFileURLToPath } from 'node:url';" +
          // The bundled CommonJS packages' require() of Node's modules and of KEPT_EXTERNAL.
          "import { createRequire as __gatepostCreateRequire } from 'node:module'; const require = __gatepostCreateRequire(import.meta.url);",
      },
      plugins: [zodEnglishOnlyPlugin, mqttNoSocksPlugin, distImportMetaPlugin(at)],
    }),
  );
  // Bundled packages stand in the manifest as npm's record of the install (rewritten by every
  // install), not as their thousands of files: a dev start checks the inputs for currency.
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const sources = Object.keys(out.metafile?.inputs ?? {}).filter(
    (f) => !/(^|[\\/])node_modules[\\/]/.test(f),
  );
  const inputs = [
    ...sources.map((f) => join(ROOT, f)),
    SELF,
    ...(existsSync(installed) ? [installed] : []),
  ].map((f) => {
    const st = statSync(f);
    return [relative(ROOT, f).replaceAll('\\', '/'), st.size, st.mtimeMs];
  });
  if (extra) await extra(tmp, inputs);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const manifest = {
    version,
    builtAt: new Date().toISOString(),
    node: process.version,
    entries,
    inputs,
  };
  writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  const old = `${outdir}.${process.pid}.old`;
  if (existsSync(outdir)) renameSync(outdir, old);
  renameSync(tmp, outdir);
  rmSync(old, { recursive: true, force: true });
  return manifest;
}

/** buildDist with the web pages prebuilt into `<outdir>/web/` (gateway/web/build.ts): `npm run build`. */
export function buildRelease(outdir = join(ROOT, 'dist'), options = {}) {
  return buildDist(outdir, {
    ...options,
    extra: async (dir, inputs) => {
      const web = await importBundled(join(ROOT, 'gateway', 'web', 'build.ts'));
      const written = await web.writeWebAssets(join(dir, 'web'));
      inputs.push(...written.inputs);
      // The DCC schemas compiled now, not at every start (gateway/passes/dcc-standalone.ts).
      const dcc = await importBundled(join(ROOT, 'gateway', 'passes', 'dcc-standalone.ts'));
      writeFileSync(join(dir, 'dcc-validators.cjs'), dcc.dccValidatorsSource());
      for (const rel of dcc.dccSchemaFiles()) {
        const st = statSync(join(ROOT, rel));
        inputs.push([rel, st.size, st.mtimeMs]);
      }
    },
  });
}
