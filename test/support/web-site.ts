import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { CompactSign } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { hashSecret } from '../../broker/password-hash.ts';
import { writeUsersFile } from '../../broker/users-file.ts';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { parseConfig } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { ed25519SigningKey } from './ed25519-keys.ts';
import { useSharedWebAssets } from './shared-web-assets.ts';
import { makeTempDir } from './tmp.ts';

/**
 * The real gateway for the page tests: the demo site's lanes and 1,200-bay yard with simulated
 * devices in-process, the embedded broker (TCP and WebSocket on free loopback ports) with a
 * users file of staff PINs and a token secret file, the web server on a free port, a temp
 * SQLite file and a trust list; plus an anonymous loopback MQTT client that records what the
 * gateway publishes, and a headless Chromium (Debian's, chromium.ts) to drive the pages.
 */
export interface StaffUser {
  name: string;
  role: 'kiosk' | 'coordinator' | 'viewer';
  lane?: string;
  pin: string;
}

export interface WebSite {
  config: SiteConfig;
  gateway: Gateway;
  site: SimulatedSite;
  clock: ScaledClock;
  dir: string;
  /** The web server, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Records and retained states seen by the test's own MQTT client, in order. */
  messages: { topic: string; payload: any; at: number }[];
  client: MqttClient;
  sign: (claims: Record<string, unknown>) => Promise<string>;
  stop(): Promise<void>;
}

export { CHROMIUM_FLAGS, closeBrowser, launchChromium } from './chromium.ts';

export async function startWebSite(o: {
  users: StaffUser[];
  timeScale?: number;
  /** Changes to the demo config (parsed YAML) before it is checked. */
  configure?: (raw: Record<string, any>) => void;
}): Promise<WebSite> {
  // The pages' bundles of this test run (built by the first file that needs them), meanwhile.
  const assetsReady = useSharedWebAssets();
  assetsReady.catch(() => undefined);
  const dir = await makeTempDir('gatepost-web-');
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  const usersFile = join(dir, 'users.json');
  const secretFile = join(dir, 'token-secrets');
  writeFileSync(secretFile, `${'s'.repeat(20)}${Math.random().toString(36).slice(2)}${'t'.repeat(20)}\n`);
  // The gateway itself signs in with a password of the users file (not the embedded broker's
  // per-run secret), so that it gets back in after a test restarts the broker.
  const gatewayPassword = `gw-${Math.random().toString(36).slice(2)}-password`;
  writeUsersFile(usersFile, {
    version: 1,
    users: [
      {
        name: 'gateway-demo',
        role: 'gateway',
        secret: 'password',
        hash: await hashSecret(gatewayPassword),
        changedAt: Date.now() - 60_000,
      },
      ...(await Promise.all(
        o.users.map(async (u) => ({
          name: u.name,
          role: u.role,
          ...(u.lane ? { lane: u.lane } : {}),
          secret: 'pin' as const,
          hash: await hashSecret(u.pin),
          changedAt: Date.now() - 60_000,
        })),
      )),
    ],
  });
  raw.broker = {
    tcp: { host: '127.0.0.1', port: 0 },
    websocket: { host: '127.0.0.1', port: 0, path: '/mqtt' },
    usersFile,
    username: 'gateway-demo',
    password: gatewayPassword,
    tokens: { secretFile },
    allowAnonymousLoopback: true,
  };
  raw.web = { enabled: true, host: '127.0.0.1', port: 0 };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  raw.yard.baySensorBuses = [];
  raw.yard.exitLanes = [];
  const scale = o.timeScale ?? 1;
  raw.checkpoints = raw.checkpoints.map((cp: any) => ({
    ...cp,
    lanes: cp.lanes.map((lane: any) => {
      // Chromium, the gateway and another test file share two cores: a starved process can pause
      // far longer than the datasheet's 100 ms inside a code (cf. test/e2e/lane-flow.test.ts);
      // the gap rule itself is tested in test/devices with a ManualClock.
      lane.devices.scanner.interByteGapMs = 3_000;
      return { ...lane, decisionTimeoutMs: 8_000 * scale };
    }),
  }));
  o.configure?.(raw);
  const config = parseConfig(raw);

  const key = ed25519SigningKey();
  const jwk = { ...key.publicJwk, kid: 'sim-1', alg: 'EdDSA' };
  writeFileSync(join(dir, 'trust.json'), JSON.stringify({ keys: [jwk] }));

  const clock = new ScaledClock(scale);
  // Fresh virtual GPIO chips: no line levels left over from another test.
  const chips = new Map<string, VirtualGpioChip>();
  const gpio = (name: string) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!;
  const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: gpio });
  await Promise.all([site.start(), assetsReady]);
  let gateway: Gateway;
  try {
    gateway = await startGateway({ config, clock, log: silentLogger(), serial: site.hub!, gpio });
  } catch (e) {
    await site.stop();
    throw e;
  }
  const client = await mqtt.connectAsync(gateway.brokerUrl, { reconnectPeriod: 500 });
  const messages: WebSite['messages'] = [];
  client.on('message', (topic, payload) => {
    if (payload.length === 0) return;
    messages.push({ topic, payload: JSON.parse(payload.toString()), at: performance.now() });
  });
  await client.subscribeAsync(['gatepost/demo/lane/#', 'gatepost/demo/yard/#'], { qos: 0 });
  const sign = async (claims: Record<string, unknown>) => {
    const now = Math.floor(clock.now() / 1000);
    const jws = await new CompactSign(
      new TextEncoder().encode(JSON.stringify({ iat: now - 60, exp: now + 86_400, ...claims })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: 'sim-1' })
      .sign(key.privateKey);
    return `GP1:${jws}`;
  };
  const stop = async () => {
    await client.endAsync(true);
    await gateway.stop();
    await site.stop();
  };
  const web = gateway.web;
  if (!web) {
    await stop();
    throw new Error('web server not started');
  }
  // Every device's port is open before a truck comes.
  const online = () =>
    [...gateway.lanes.values()].every((l) => Object.values(l.state().devices).every((s) => s === 'online'));
  for (const until = Date.now() + 10_000; !online(); ) {
    if (Date.now() > until) {
      await stop();
      throw new Error("the lanes' devices did not come online within 10 s");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { config, gateway, site, clock, dir, url: web.url, messages, client, sign, stop };
}

/** Signs in at the page's sign-in screen with the on-screen keyboards, as staff would. */
export async function signInByTouch(page: Page, staffId: string, pin: string): Promise<void> {
  const form = page.getByTestId('sign-in');
  await form.getByTestId('staff-id').click();
  for (const ch of staffId) await form.locator(`.keyboard [data-key="${ch}"]`).click();
  await form.locator('.keyboard [data-key="enter"]').click();
  for (const ch of pin) await form.locator(`.keyboard-pin [data-key="${ch}"]`).click();
  await form.getByTestId('sign-in-submit').click();
  await form.waitFor({ state: 'detached', timeout: 10_000 });
}

/** The colour of one screen pixel, read from a 1×1 screenshot (what Chromium actually drew). */
export async function screenPixel(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 }, animations: 'disabled' });
  return decodePixel(png);
}

/** The first pixel of a PNG (8-bit RGB or RGBA, non-interlaced), enough for a 1×1 screenshot. */
export function decodePixel(png: Buffer): [number, number, number] {
  let offset = 8;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const len = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + len);
    if (type === 'IHDR') {
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
      colorType = data[9] ?? -1;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + len;
  }
  if (colorType !== 2 && colorType !== 6) throw new Error(`PNG colour type ${colorType} not handled`);
  const raw = inflateSync(Buffer.concat(idat));
  // First scanline: a filter byte, then the pixel. Every PNG filter predicts the first pixel of
  // the first row from zeros, so its bytes are the pixel as they stand.
  if ((raw[0] ?? 9) > 4) throw new Error(`PNG filter ${raw[0]} unknown`);
  return [raw[1] ?? 0, raw[2] ?? 0, raw[3] ?? 0];
}

export function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function near(a: readonly number[], b: readonly number[], tolerance = 6): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tolerance);
}

/**
 * Saves a page screenshot in the test's temp dir, and into docs/screenshots/ when
 * GATEPOST_SCREENSHOTS=1 (how the README's pictures are made).
 */
export async function saveScreenshot(page: Page, dir: string, name: string): Promise<Buffer> {
  const file = join(dir, name);
  const png = await page.screenshot({ path: file, animations: 'disabled' });
  if (process.env.GATEPOST_SCREENSHOTS === '1') {
    mkdirSync('docs/screenshots', { recursive: true });
    copyFileSync(file, join('docs/screenshots', name));
  }
  return png;
}
