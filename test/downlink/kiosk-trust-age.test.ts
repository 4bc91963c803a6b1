import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCentralKey } from '../../gateway/downlink/envelope-sign.ts';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk, setLang, settled } from '../web/kiosk-helpers.ts';
import { type Central, startCentral } from './site.ts';

/**
 * The kiosk's status bar shows how old the trust list is, from the retained downlink status
 * (docs/downlink.md, Status): real gateway, real central Mosquitto, real Chromium at 1024x600.
 * The pill says `—` until a trust list came by the downlink; its age then moves nothing on the page.
 */
let site: WebSite;
let browser: Browser;
let broker: Mosquitto;
let central: Central;

beforeAll(async () => {
  broker = await startMosquitto({ persistence: false });
  central = await startCentral(broker.url, 'demo');
  const pins = [central.keys.a].map((k) => ({ kid: k.kid, x: k.x }));
  [site, browser] = await Promise.all([
    startWebSite({
      configure: (raw) => {
        raw.uplink = { enabled: true, url: broker.url, topicPrefix: 'central', reconnectMinMs: 100 };
        raw.downlink = { enabled: true, centralKeys: pins };
      },
      users: [{ name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' }],
    }),
    launchChromium(),
  ]);
}, 90_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await central?.stop();
  await broker?.dispose();
});

const SELECTORS = [
  '.bar-title',
  '[data-testid="trust-list"]',
  '[data-testid="link"]',
  '[data-testid="gateway"]',
  '[data-testid="uplink"]',
  '[data-testid="decision-banner"]',
  '[data-testid="actions"]',
  '.kiosk-grid',
  '.truck-panel',
];

async function boxes(page: Page): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const sel of SELECTORS.slice(1)) out[sel] = await page.locator(sel).first().boundingBox();
  return out;
}

describe('the trust list age in the kiosk status bar', () => {
  it('shows the age of the trust list from the centre in zh and en, whole at 1024x600, moving nothing', async () => {
    const page = await openKiosk(browser, site, {
      lane: 'east-1',
      staff: '200101',
      pin: '246810',
      width: 1024,
      height: 600,
    });
    const trust = page.getByTestId('trust-list');
    await setLang(page, 'en');
    // Its place is kept from the start: no trust list from the centre yet.
    await expect.poll(() => trust.textContent()).toBe('Trust —');
    const before = await boxes(page);

    const gp1 = generateCentralKey('gp1-issuer').pin;
    const issued = Math.floor(Date.now() / 1000) - 3 * 3600 - 60;
    const env = await central.send({
      kind: 'trust-list',
      version: 1,
      iat: issued,
      payload: { keys: [{ kty: 'OKP', crv: 'Ed25519', kid: gp1.kid, x: gp1.x }] },
    });
    await expect.poll(() => central.ackOf(env.id)?.status, { timeout: 30_000 }).toBe('applied');
    await expect.poll(() => trust.textContent(), { timeout: 15_000 }).toBe('Trust 3h');
    expect(await trust.getAttribute('class')).toContain('pill-ok');
    await settled(page);
    // Every pill whole (the title gives way), nothing else moved.
    const pills = await page.locator('.bar-pills').evaluate((bar) => {
      const edge = bar.getBoundingClientRect().right;
      return [...bar.querySelectorAll<HTMLElement>('.pill')]
        .filter((p) => !p.hidden)
        .map((p) => ({
          text: p.textContent,
          whole: p.getBoundingClientRect().right <= edge + 0.5 && p.scrollWidth <= p.clientWidth,
        }));
    });
    expect(pills.map((p) => p.text)).toContain('Trust 3h');
    expect(pills.filter((p) => !p.whole)).toEqual([]);
    expect(await boxes(page)).toEqual(before);

    await setLang(page, 'zh');
    await expect.poll(() => trust.textContent()).toBe('信任表 3小时前');
    const zhPills = await page.locator('.bar-pills').evaluate((bar) => {
      const edge = bar.getBoundingClientRect().right;
      return [...bar.querySelectorAll<HTMLElement>('.pill')]
        .filter((p) => !p.hidden)
        .every((p) => p.getBoundingClientRect().right <= edge + 0.5 && p.scrollWidth <= p.clientWidth);
    });
    expect(zhPills).toBe(true);
    const bar = await page.locator('.status-bar').boundingBox();
    expect(bar?.height).toBe(76);
    await page.close();
  }, 120_000);
});
