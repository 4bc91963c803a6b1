import { readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { readWebAssets, writeWebAssets } from '../../gateway/web/build.ts';
import { MAX_ON_DISK_ASSET_BYTES } from '../../gateway/web/served-asset.ts';
import type { WebServer } from '../../gateway/web/server.ts';
import { startSignInServer } from '../support/sign-in-server.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * The web server of a release (the pages prebuilt into dist/web/, as `npm run build` writes
 * them): scripts and stylesheets kept gzipped only and answered to any client; source maps not
 * kept, read from dist/web/ when a developer's DevTools asks, within a byte budget.
 */
let dist: string;
let broker: EmbeddedBroker;
let web: WebServer;
const onDisk = (path: string) => readFileSync(join(dist, 'web', path.slice('/assets/'.length)));

beforeAll(async () => {
  dist = await makeTempDir('gatepost-web-prebuilt-');
  await writeWebAssets(join(dist, 'web'));
  // What bin/gatepost.js sets when it runs a release's dist/; read by the web server at start.
  process.env.GATEPOST_DIST = dist;
  ({ broker, web } = await startSignInServer('gatepost-web-prebuilt-users-'));
}, 60_000);

afterAll(async () => {
  delete process.env.GATEPOST_DIST;
  await web?.close();
  await broker?.close();
  await removeTempDirs();
});

const manifestPaths = () =>
  Object.keys((JSON.parse(readFileSync(join(dist, 'web/manifest.json'), 'utf8')) as { files: object }).files);

describe('web server of a release', () => {
  it('keeps no source map in memory and every script and stylesheet gzipped only', () => {
    const assets = readWebAssets(join(dist, 'web'));
    const maps = [...assets.files].filter(([p]) => p.endsWith('.map'));
    expect(maps.length).toBeGreaterThanOrEqual(5);
    for (const [, a] of maps) expect(a.kind).toBe('on-disk');
    for (const [p, a] of assets.files) {
      if (p.endsWith('.map')) continue;
      // Read from the gzip the build wrote beside the file, which decompresses to the file.
      expect(a.kind === 'gzipped' && a.size === onDisk(p).length && a.gzip.equals(onDisk(`${p}.gz`))).toBe(
        true,
      );
      expect(gunzipSync(onDisk(`${p}.gz`)).equals(onDisk(p))).toBe(true);
    }
  });

  it('answers a script gzipped to a browser and decompressed to a client that does not take gzip', async () => {
    const html = await (await fetch(`${web.url}/kiosk/east-1`)).text();
    const script = /src="([^"]+)"/.exec(html)?.[1] ?? '';
    const gz = await fetch(`${web.url}${script}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(gz.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await gz.arrayBuffer()).equals(onDisk(script))).toBe(true);

    const plain = await fetch(`${web.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Number(plain.headers.get('content-length'))).toBe(onDisk(script).length);
    expect(plain.headers.get('etag')).toBe(gz.headers.get('etag'));
    expect(Buffer.from(await plain.arrayBuffer()).equals(onDisk(script))).toBe(true);

    const head = await fetch(`${web.url}${script}`, {
      method: 'HEAD',
      headers: { 'accept-encoding': 'identity' },
    });
    expect(Number(head.headers.get('content-length'))).toBe(onDisk(script).length);
    expect(head.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('reads a source map from dist/web/ on request, with its ETag and a 304 for it', async () => {
    const map = manifestPaths().find((p) => /^\/assets\/kiosk-.*\.js\.map$/.test(p)) ?? '';
    const res = await fetch(`${web.url}${map}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(onDisk(map))).toBe(true);
    expect(JSON.parse(body.toString('utf8')).version).toBe(3);
    const again = await fetch(`${web.url}${map}`, {
      headers: { 'if-none-match': res.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('refuses a source map over its byte budget and answers 404 for one deleted from the release', async () => {
    const [big, gone] = manifestPaths().filter((p) => p.endsWith('.css.map'));
    // Sparse: the budget is checked on the file's size before anything is read.
    truncateSync(join(dist, 'web', (big ?? '').slice('/assets/'.length)), MAX_ON_DISK_ASSET_BYTES + 1);
    expect((await fetch(`${web.url}${big}`)).status).toBe(500);
    rmSync(join(dist, 'web', (gone ?? '').slice('/assets/'.length)));
    expect((await fetch(`${web.url}${gone}`)).status).toBe(404);
    // The pages are unaffected.
    expect((await fetch(`${web.url}/yard`)).status).toBe(200);
  });
});
