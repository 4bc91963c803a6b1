import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { SiteInfoSchema } from '../../gateway/web/client/shared/site-info.ts';
import { startWebServer, type WebServer } from '../../gateway/web/server.ts';
import { parseConfig } from '../../site-config/load.ts';
import { closeBrowser, launchChromium } from '../support/chromium.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { auditLayout, describeProblems } from './support/layout-audit.ts';

/**
 * The demo (no staff accounts, anonymous access from the box itself) opened from another device.
 * The web server and the broker's WebSocket listen on every address; "another device" is this
 * machine's own network address (`hostname -I`), so requests and Chromium's page really come
 * from a peer that is not loopback, over real HTTP and WebSocket. The server names the reason
 * (`/config.json`, auth.anonymous), the broker decides alike, and the page says it plainly in
 * its language, with how to create a staff account, instead of signing in and bouncing with
 * "session expired".
 */
const lanIp = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

let broker: EmbeddedBroker;
let web: WebServer;
let browser: Browser;

beforeAll(async () => {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = {
    tcp: { host: '127.0.0.1', port: 0 },
    websocket: { host: '0.0.0.0', port: 0 },
    allowAnonymousLoopback: true,
  };
  raw.web = { host: '0.0.0.0', port: 0 };
  const config = parseConfig(raw);
  [broker, browser] = await Promise.all([
    startEmbeddedBroker({ ...config.broker, site: config.site.id, acl: GATEPOST_ACL, log: silentLogger() }),
    launchChromium(),
  ]);
  web = await startWebServer({
    config,
    broker: { wsPort: broker.wsPort, signIn: false },
    tokens: undefined,
    log: silentLogger(),
  });
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await web?.close();
  await broker?.close();
  await removeTempDirs();
});

const at = (host: string) => `http://${host}:${web.port}`;

async function access(host: string): Promise<string> {
  const info = SiteInfoSchema.parse(await (await fetch(`${at(host)}/config.json`)).json());
  return info.auth.anonymous;
}

/** GET /config.json from loopback, naming another host in `Host` (as a tunnel or proxy would). */
function accessWithHost(hostHeader: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: web.port, path: '/config.json', headers: { host: hostHeader } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(SiteInfoSchema.parse(JSON.parse(body)).auth.anonymous));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Whether the broker takes an anonymous WebSocket client from `host`, its page at `origin`. */
async function brokerTakesAnonymous(host: string, origin: string): Promise<boolean> {
  const client = mqtt.connect(`ws://${host}:${broker.wsPort}/mqtt`, {
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    wsOptions: { headers: { origin } },
  });
  try {
    return await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('error', () => resolve(false));
      client.once('close', () => resolve(false));
    });
  } finally {
    client.end(true);
  }
}

/** The kiosk page opened at `host`, with the WebSockets it opens. */
async function openAt(host: string, size = { width: 1024, height: 600 }): Promise<[Page, string[]]> {
  const page = await browser.newPage({ viewport: size });
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${at(host)}/kiosk/east-1`);
  return [page, sockets];
}

describe('the demo from a remote device', () => {
  it('is told by the server, for each address a page comes from, whether it may connect anonymously', async () => {
    expect(await access('127.0.0.1')).toBe('allowed');
    expect(await accessWithHost(`localhost:${web.port}`)).toBe('allowed');
    expect(await accessWithHost(`gate.example:${web.port}`)).toBe('not-localhost');
  });

  it.skipIf(!lanIp)(
    "answers 'remote-device' to a peer that is not loopback, as the broker refuses its anonymous client",
    async () => {
      const ip = lanIp ?? '';
      expect(await access(ip)).toBe('remote-device');
      // The broker decides the same for the same two places.
      expect(await brokerTakesAnonymous(ip, at(ip))).toBe(false);
      expect(await brokerTakesAnonymous('127.0.0.1', at('127.0.0.1'))).toBe(true);
    },
  );

  it.skipIf(!lanIp)(
    'shows the remote device why it cannot sign in and how to create a staff account, in Chinese and English',
    async () => {
      const [page, sockets] = await openAt(lanIp ?? '');
      const view = page.getByTestId('remote-device');
      await view.waitFor({ timeout: 15_000 });
      expect(await view.getAttribute('data-reason')).toBe('remote-device');
      expect(await page.getByTestId('sign-in').count()).toBe(0);
      const reason = page.getByTestId('remote-reason');
      expect(await reason.textContent()).toBe(
        '演示只允许在网关本机上匿名使用；在其他设备上请用员工账号登录。',
      );
      expect(await page.getByTestId('remote-command').textContent()).toBe(
        'npx gatepost user add S1001 --role kiosk --lane east-1 --pin',
      );
      expect(await view.textContent()).toContain('usersFile: var/users.json');
      expect(await view.textContent()).toContain(`http://localhost:${web.port}/kiosk/east-1`);
      expect(describeProblems(await auditLayout(page))).toBe('');

      await page.getByTestId('sign-in-lang').click();
      await expect
        .poll(() => reason.textContent())
        .toBe('The demo allows anonymous access from this box only; sign in with a staff account.');
      expect(await view.textContent()).toContain('To create a staff account');
      expect(describeProblems(await auditLayout(page))).toBe('');
      // Nothing tried to reach the broker: no refused connection, no "session expired".
      expect(sockets).toEqual([]);
      await page.close();
    },
  );

  it('still signs in with the staff ID alone on the box itself, and connects', async () => {
    const [page, sockets] = await openAt('127.0.0.1', { width: 1280, height: 800 });
    const form = page.getByTestId('sign-in');
    await form.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('remote-device').count()).toBe(0);
    for (const ch of '200101') await form.locator(`.keyboard [data-key="${ch}"]`).click();
    await form.getByTestId('sign-in-submit').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 10_000 })
      .toContain('pill-ok');
    expect(sockets).toEqual([`ws://127.0.0.1:${broker.wsPort}/mqtt`]);
    await page.close();
  });
});
