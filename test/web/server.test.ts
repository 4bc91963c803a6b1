import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { SessionSchema, SiteInfoSchema } from '../../gateway/web/client/shared/site-info.ts';
import type { WebServer } from '../../gateway/web/server.ts';
import { AddressLimiter } from '../../gateway/web/sign-in.ts';
import { startSignInServer } from '../support/sign-in-server.ts';
import { removeTempDirs } from '../support/tmp.ts';

/**
 * The web server on its own with the embedded broker: the pages and their bundles, `/config.json`,
 * and the staff sign-in (PIN to short-lived MQTT token, refused for the wrong page or lane).
 */
let broker: EmbeddedBroker;
let web: WebServer;

beforeAll(async () => {
  ({ broker, web } = await startSignInServer('gatepost-web-server-', [
    { name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' },
    { name: '300001', role: 'coordinator', pin: '112233' },
  ]));
});

afterAll(async () => {
  await web?.close();
  await broker?.close();
  await removeTempDirs();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${web.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('web server', () => {
  it('serves each lane kiosk and the yard map, with a strict content policy and no credential in the page', async () => {
    const index = await (await fetch(`${web.url}/`)).text();
    for (const lane of ['east-1', 'east-2', 'west-1', 'west-2', 'yard-exit'])
      expect(index).toContain(`/kiosk/${lane}`);
    const res = await fetch(`${web.url}/kiosk/east-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/assets\/kiosk-[A-Z0-9]{8}\.js"><\/script>/);
    expect(html).not.toMatch(/password|token|pin|secret/i);
    expect((await fetch(`${web.url}/kiosk/no-such-lane`)).status).toBe(404);
    expect((await fetch(`${web.url}/yard`)).status).toBe(200);
    expect((await fetch(`${web.url}/assets/../server.ts`)).status).toBe(404);
  });

  it('serves the bundles gzipped and cacheable for good, answering 304 to a known ETag', async () => {
    const html = await (await fetch(`${web.url}/yard`)).text();
    const script = /src="([^"]+)"/.exec(html)?.[1] ?? '';
    const res = await fetch(`${web.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect((await res.text()).length).toBeGreaterThan(1000);
    const again = await fetch(`${web.url}${script}`, {
      headers: { 'if-none-match': res.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('tells the pages the site, its lanes, all 1,200 bays and where the broker listens', async () => {
    const info = SiteInfoSchema.parse(await (await fetch(`${web.url}/config.json`)).json());
    expect(info.site.id).toBe('demo');
    expect(info.lanes.map((l) => l.id)).toEqual(['east-1', 'east-2', 'west-1', 'west-2', 'yard-exit']);
    expect(info.zones.reduce((n, z) => n + z.bays.length, 0)).toBe(1200);
    expect(info.mqtt).toEqual({ port: broker.wsPort, path: '/mqtt' });
    expect(info.auth).toEqual({ signIn: true, anonymousLoopback: true, anonymous: 'allowed' });
    expect(info.feverC).toBe(37.3);
  });

  it('signs staff in with their PIN to a token the broker takes, for their own page and lane only', async () => {
    const wrong = await post('/api/sign-in', {
      staffId: '200101',
      pin: '000000',
      page: 'kiosk',
      lane: 'east-1',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'refused' });
    const otherLane = await post('/api/sign-in', {
      staffId: '200101',
      pin: '246810',
      page: 'kiosk',
      lane: 'west-1',
    });
    expect(otherLane.status).toBe(403);
    const coordinatorAtKiosk = await post('/api/sign-in', {
      staffId: '300001',
      pin: '112233',
      page: 'kiosk',
      lane: 'east-1',
    });
    expect(coordinatorAtKiosk.status).toBe(403);

    const res = await post('/api/sign-in', {
      staffId: '200101',
      pin: '246810',
      page: 'kiosk',
      lane: 'east-1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const session = SessionSchema.parse(await res.json());
    expect(session).toMatchObject({ username: '200101', role: 'kiosk', lane: 'east-1' });
    expect(session.expiresAt).toBeGreaterThan(Date.now());

    // The page's way in: MQTT over WebSocket with username = staff ID, password = token.
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${broker.wsPort}/mqtt`, {
      username: session.username,
      password: session.token,
      clientId: `${session.username}-test`,
      reconnectPeriod: 0,
    });
    const granted = await client.subscribeAsync('gatepost/demo/lane/east-1/state');
    expect(granted[0]?.qos).toBe(0);
    await client.endAsync();

    const refreshed = await post('/api/refresh', { token: session.token });
    expect(refreshed.status).toBe(200);
    expect(SessionSchema.parse(await refreshed.json()).username).toBe('200101');
    expect((await post('/api/refresh', { token: `${session.token}x` })).status).toBe(401);
  });

  it('refuses malformed sign-in requests before looking at them', async () => {
    expect((await post('/api/sign-in', 'not json')).status).toBe(400);
    expect((await post('/api/sign-in', { staffId: '200101' })).status).toBe(400);
    expect(
      (
        await post(
          '/api/sign-in',
          { staffId: 'x', pin: 'y', page: 'kiosk' },
          { 'content-type': 'text/plain' },
        )
      ).status,
    ).toBe(415);
    expect((await post('/api/sign-in', { staffId: 'x'.repeat(10_000), pin: '1', page: 'yard' })).status).toBe(
      413,
    );
  });

  it("holds one screen to a few sign-in attempts a minute (the PIN lock per staff ID is the broker's)", () => {
    const limiter = new AddressLimiter(3);
    expect([0, 1, 2].map(() => limiter.take('10.0.0.5', 0))).toEqual([0, 0, 0]);
    expect(limiter.take('10.0.0.5', 0)).toBe(20);
    expect(limiter.take('10.0.0.6', 0)).toBe(0);
    expect(limiter.take('10.0.0.5', 20_000)).toBe(0);
  });
});
