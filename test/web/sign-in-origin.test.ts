import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { hashSecret } from '../../broker/password-hash.ts';
import { writeUsersFile } from '../../broker/users-file.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { startWebServer, type WebServer } from '../../gateway/web/server.ts';
import { parseConfig } from '../../site-config/load.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * The sign-in takes requests from the server's own pages only (Origin, Sec-Fetch-Site), and the
 * pages' content policy lets them connect to the broker's WebSocket and nowhere else.
 */
let broker: EmbeddedBroker;
let web: WebServer;

beforeAll(async () => {
  const dir = await makeTempDir('gatepost-web-origin-');
  const usersFile = join(dir, 'users.json');
  const secretFile = join(dir, 'secrets');
  writeFileSync(secretFile, `${'x'.repeat(40)}\n`);
  writeUsersFile(usersFile, {
    version: 1,
    users: [
      {
        name: '200101',
        role: 'kiosk',
        lane: 'east-1',
        secret: 'pin',
        hash: await hashSecret('246810'),
        changedAt: Date.now() - 60_000,
      },
    ],
  });
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = {
    tcp: { host: '127.0.0.1', port: 0 },
    websocket: { host: '127.0.0.1', port: 0 },
    usersFile,
    tokens: { secretFile },
  };
  raw.web = { host: '127.0.0.1', port: 0 };
  const config = parseConfig(raw);
  broker = await startEmbeddedBroker({
    ...config.broker,
    site: config.site.id,
    acl: GATEPOST_ACL,
    log: silentLogger(),
  });
  web = await startWebServer({
    config,
    broker: { wsPort: broker.wsPort, signIn: true },
    tokens: broker.tokens,
    log: silentLogger(),
  });
});

afterAll(async () => {
  await web?.close();
  await broker?.close();
  await removeTempDirs();
});

/** A raw HTTP request (fetch would not let a test set Host or Origin freely). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${web.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const signIn = JSON.stringify({ staffId: '200101', pin: '246810', page: 'kiosk', lane: 'east-1' });
const json = { 'content-type': 'application/json' };

describe('sign-in origin and content policy', () => {
  it('refuses a sign-in or refresh posted from another origin', async () => {
    const host = new URL(web.url).host;
    for (const origin of ['http://evil.example', 'null', `http://${host}.evil.example`]) {
      const res = await send('POST', '/api/sign-in', { ...json, host, origin }, signIn);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error).toBe('forbidden');
    }
    const crossSite = await send(
      'POST',
      '/api/sign-in',
      { ...json, host, 'sec-fetch-site': 'cross-site' },
      signIn,
    );
    expect(crossSite.status).toBe(403);
    const refresh = await send(
      'POST',
      '/api/refresh',
      { ...json, host, origin: 'http://evil.example' },
      JSON.stringify({ token: 'gpt1.x.y.z' }),
    );
    expect(refresh.status).toBe(403);
  });

  it('signs in from its own origin', async () => {
    const host = new URL(web.url).host;
    const res = await send(
      'POST',
      '/api/sign-in',
      { ...json, host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      signIn,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).username).toBe('200101');
  });

  it("names the broker's WebSocket at the page's host in connect-src, and no other host", async () => {
    const res = await send('GET', '/kiosk/east-1', { host: `gateway.local:${new URL(web.url).port}` });
    const csp = String(res.headers['content-security-policy']);
    const connect = csp.split('; ').find((d) => d.startsWith('connect-src')) ?? '';
    expect(connect).toBe(`connect-src 'self' ws://gateway.local:${broker.wsPort}`);
    expect(csp).not.toMatch(/(^|\s)wss?:(\s|;|$)/);
    // A Host header that is no host name gets no broker source at all, not a forged one.
    const odd = await send('GET', '/kiosk/east-1', { host: 'x y;script-src *' });
    expect(String(odd.headers['content-security-policy'])).toContain("connect-src 'self';");
  });
});
