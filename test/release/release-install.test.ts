import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfigForTest, type GatewayProcess, spawnGateway } from '../support/gateway-process.ts';

/**
 * The release as a technician installs it (docs/install.md): `npm run release` packs the tarball,
 * it is unpacked into an empty directory and installed with `npm ci --omit=dev --offline` from
 * npm's cache, and the gateway starts from its dist/ with neither esbuild nor tsx installed.
 *
 * better-sqlite3 is not compiled again (that takes ~2 minutes on 2 cores): its install script
 * (prebuild-install) takes a local prebuild, a tarball of the binary this checkout already built
 * (npm_config_better_sqlite3_local_prebuilds), exactly what it would download from the package's
 * GitHub releases on a box with internet. npm's cache holds packages, never builds, so --offline
 * alone would compile it. epoll (onoff's GPIO) has no prebuilds and compiles in a few seconds
 * against the headers of the installed Node (nodedir). The whole install takes ~20 s here, so
 * the test runs in the suite (npm test, hence .ci/run) rather than in a separate script.
 */
const ROOT = join(import.meta.dirname, '../..');

let work: string;
let app: string;
let tarball: string;
const gateways: GatewayProcess[] = [];

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gatepost-release-'));
  const out = run(process.execPath, [join(ROOT, 'bin/release.js'), '--out', join(work, 'release')], ROOT);
  tarball = out.split('\n')[0] ?? '';
  expect(tarball).toMatch(/gatepost-.+\.tgz$/);

  // The prebuilt binary, named as prebuild-install looks for it.
  const prebuilds = join(work, 'prebuilds');
  mkdirSync(prebuilds);
  const { version } = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8'),
  ) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  run(
    'tar',
    ['-czf', join(prebuilds, name), 'build/Release/better_sqlite3.node'],
    join(ROOT, 'node_modules/better-sqlite3'),
  );

  app = join(work, 'opt-gatepost');
  mkdirSync(app);
  run('tar', ['-xzf', tarball, '-C', app, '--strip-components=1'], work);
  // epoll compiles against the running Node's own headers (node-gyp would download them: offline,
  // it cannot), wherever this Node is installed: <prefix>/include/node.
  const prefix = dirname(dirname(process.execPath));
  run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], app, {
    npm_config_better_sqlite3_local_prebuilds: prebuilds,
    ...(existsSync(join(prefix, 'include/node/node.h')) ? { npm_config_nodedir: prefix } : {}),
  });
}, 300_000);

afterAll(async () => {
  for (const gw of gateways) await gw.stop();
});

describe('the release tarball, installed', () => {
  it('carries dist/, the prebuilt pages, the unit, the default config and the docs, and runtime dependencies only', () => {
    for (const f of [
      'dist/main.js',
      'dist/broker-worker.js',
      'dist/trust-list-worker.js',
      'dist/manifest.json',
      'dist/web/manifest.json',
      'ops/gatepost.service',
      'config/demo.yaml',
      'docs/install.md',
      'npm-shrinkwrap.json',
      'bin/gatepost.js',
    ]) {
      expect(existsSync(join(app, f)), f).toBe(true);
    }
    // No TypeScript sources to build, nothing to build them with.
    expect(existsSync(join(app, 'gateway/cli/main.ts'))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, any>;
    expect(pkg.devDependencies).toBeUndefined();
    expect(Object.keys(pkg.dependencies)).not.toContain('esbuild');
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(existsSync(join(app, 'node_modules/esbuild'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    // The pages were built for it: scripts and styles named by their hash.
    expect(readdirSync(join(app, 'dist/web')).some((f) => /^kiosk-.+\.js$/.test(f))).toBe(true);
    expect(run(process.execPath, ['bin/gatepost.js', '--version'], app)).toMatch(
      new RegExp(`^gatepost ${pkg.version} \\(release build`),
    );
  });

  it('starts from dist/ on a test config, ready, serving the prebuilt pages and deciding on a simulated scan', async () => {
    const config = demoConfigForTest();
    config.simulation = { ...config.simulation, timeScale: 10 };
    const gw = spawnGateway(config, app);
    gateways.push(gw);
    const listening = await gw.waitForLog((l) => l.msg === 'broker listening', 30_000);
    const web = await gw.waitForLog((l) => l.msg === 'web pages served', 30_000);
    await gw.waitForLog((l) => l.msg === 'gateway ready', 30_000);

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(listening.tcpPort)}`);
    try {
      const decision = new Promise<Record<string, any>>((resolve) =>
        client.on('message', (topic, payload) => {
          if (/\/lane\/[^/]+\/decision$/.test(topic)) resolve(JSON.parse(payload.toString()));
        }),
      );
      await client.subscribeAsync('gatepost/demo/lane/+/decision', { qos: 1 });
      expect(await decision).toMatchObject({ type: 'decision', site: 'demo' });
    } finally {
      await client.endAsync();
    }

    // The kiosk page and its script, from dist/web/.
    const page = await fetch(`${String(web.url)}/kiosk/east-1`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /src="(\/assets\/kiosk-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${String(web.url)}${script}`);
    expect(js.status).toBe(200);
    expect(await js.text()).toBe(
      readFileSync(join(app, 'dist/web', (script ?? '').slice('/assets/'.length)), 'utf8'),
    );

    // Nothing fell back to building or to tsx.
    expect(gw.stderr()).not.toContain('tsx');
    expect(gw.logs.some((l) => String(l.msg).includes('through tsx'))).toBe(false);

    gw.child.kill('SIGTERM');
    expect(await gw.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
