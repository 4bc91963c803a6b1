import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { browserOnly, buildWebAssets } from '../../gateway/web/build.ts';
import { scheduleNextTickAsMicrotask } from '../../gateway/web/microtask-next-tick.ts';

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

  it("drains mqtt.js's nextTick queue as a microtask, in the bundle the pages get", async () => {
    const shim = readFileSync('node_modules/mqtt/dist/mqtt.esm.js', 'utf8');
    const timerDrain = /[\w$]+\.length===1&&![\w$]+&&setTimeout\([\w$]+,0\)/g;
    // mqtt.js 5.16 bundles two copies of the shim in this form.
    expect(shim.match(timerDrain)).toHaveLength(2);
    const rewritten = scheduleNextTickAsMicrotask(shim);
    expect(rewritten.match(timerDrain)).toBeNull();
    expect(rewritten.length - shim.length).toBe(2 * ('queueMicrotask('.length - 'setTimeout(,0'.length));
    // What is served: the shared chunk that holds mqtt.js drains with queueMicrotask.
    const assets = await buildWebAssets();
    const scripts = [...assets.files]
      .filter(([path, a]) => path.endsWith('.js') && a.kind === 'gzipped')
      .map(([, a]) => (a.kind === 'gzipped' ? gunzipSync(a.gzip).toString() : ''));
    const mqttChunk = scripts.filter((js) => js.includes('mqttjs'));
    expect(mqttChunk).toHaveLength(1);
    expect(mqttChunk[0]).toMatch(/[\w$]+\.length===1&&![\w$]+&&queueMicrotask\([\w$]+\)/);
    expect(mqttChunk[0]).not.toMatch(timerDrain);
  });

  it('rewrites every copy of the shim, and fails the build when there is none (an mqtt.js release that changed it)', () => {
    expect(() => scheduleNextTickAsMicrotask('function f(){setTimeout(g,0)}')).toThrow(/not in mqtt/);
    const twice = 'a.length===1&&!b&&setTimeout(c,0);d.length===1&&!e&&setTimeout(f,0)';
    expect(scheduleNextTickAsMicrotask(twice)).toBe(
      'a.length===1&&!b&&queueMicrotask(c);d.length===1&&!e&&queueMicrotask(f)',
    );
    // Twice in a row: the pattern's state does not carry over from one call to the next.
    expect(scheduleNextTickAsMicrotask(twice)).toBe(scheduleNextTickAsMicrotask(twice));
    expect(scheduleNextTickAsMicrotask('x;q.length===1&&!Dr&&setTimeout($d,0);y')).toBe(
      'x;q.length===1&&!Dr&&queueMicrotask($d);y',
    );
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
