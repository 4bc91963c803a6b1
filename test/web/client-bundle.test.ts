import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { browserOnly, buildWebAssets } from '../../gateway/web/build.ts';

/**
 * The pages' bundles are built for the browser by the project's own build, from
 * gateway/web/client and the browser-safe modules it shares with the gateway (the topic table
 * and its zod schemas); a Node module anywhere in what the client imports fails the build.
 */
describe('web bundles', () => {
  it('builds each page for the browser from the shared topic table, with no Node module in it', async () => {
    const assets = await buildWebAssets();
    for (const page of ['kiosk', 'yard'] as const) {
      const { script, style } = assets.pages[page];
      expect(assets.files.get(script)?.contentType).toMatch(/^text\/javascript/);
      expect(style && assets.files.get(style)?.contentType).toMatch(/^text\/css/);
    }
    expect(assets.inputs).toEqual(
      expect.arrayContaining([
        'gateway/mqtt/topics.ts',
        'gateway/yard/yard-payloads.ts',
        'gateway/lanes/lane-records.ts',
      ]),
    );
    const builtins = new Set(builtinModules);
    const nodeInputs = assets.inputs.filter(
      (i) =>
        i.startsWith('node:') ||
        builtins.has(i) ||
        i.includes('node_modules/ws/') ||
        i.includes('better-sqlite3'),
    );
    expect(nodeInputs).toEqual([]);
    // Only the browser build of mqtt.js (not its Node entry with net/tls) is in the bundle.
    expect(assets.inputs.filter((i) => i.startsWith('node_modules/mqtt/'))).toEqual([
      'node_modules/mqtt/dist/mqtt.esm.js',
    ]);
    // Every file is named by its content hash and kept gzipped only (a dev build keeps its source
    // maps too: it has no dist/web/ to read them from).
    for (const [path, a] of assets.files) {
      expect(path).toMatch(/^\/assets\/[\w-]+-[A-Z0-9]{8}\.(js|css)(\.map|\.LEGAL\.txt)?$/);
      expect(a.kind === 'gzipped' && gunzipSync(a.gzip).length === a.size && a.size > 0).toBe(true);
    }
  });

  it('refuses a client module that imports a Node module, naming the importer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-bundle-'));
    try {
      const entry = join(dir, 'entry.ts');
      // A page that reaches for the web server (node:http) through a normal-looking import.
      writeFileSync(
        entry,
        `import { startWebServer } from '${resolve('gateway/web/server.ts')}';\nconsole.log(startWebServer);\n`,
      );
      const build = esbuild.build({
        entryPoints: [entry],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        logLevel: 'silent',
        plugins: [browserOnly],
      });
      const failure = (await build.then(
        () => undefined,
        (e: unknown) => e,
      )) as esbuild.BuildFailure | undefined;
      expect(failure?.errors.map((e) => e.text)).toContain(
        // server.ts creates its server through http-budget.ts, the one that imports node:http.
        '"node:http" is a Node module: browser code (and what it imports) must not use it; imported by gateway/web/http-budget.ts',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
