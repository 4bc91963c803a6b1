import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import type { WebServer } from '../../gateway/web/server.ts';
import { startSignInServer } from '../support/sign-in-server.ts';
import { removeTempDirs } from '../support/tmp.ts';

/**
 * The sign-in takes requests from the server's own pages only (Origin, Sec-Fetch-Site), and the
 * pages' content policy lets them connect to the broker's WebSocket and nowhere else.
 */
let broker: EmbeddedBroker;
let web: WebServer;

beforeAll(async () => {
  ({ broker, web } = await startSignInServer('gatepost-web-origin-'));
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
