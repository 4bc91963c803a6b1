import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { STATE_COLORS } from '../../gateway/web/client/yard/bay-colors.ts';
import type { BayState } from '../../gateway/yard/yard-payloads.ts';
import { removeTempDirs } from '../support/tmp.ts';
import {
  closeBrowser,
  hexRgb,
  launchChromium,
  near,
  saveScreenshot,
  screenPixel,
  signInByTouch,
  startWebSite,
  type WebSite,
} from '../support/web-site.ts';

/**
 * The yard map in real headless Chromium against the real gateway: all 1,200 bays drawn from
 * their retained topics; a bay's colour on the screen (a screenshot pixel, not a DOM attribute)
 * follows its event within a second; a coordinator acts on a bay by touch; the map survives a
 * restart of the broker and carries on live.
 */
const COORDINATOR = { id: '300001', pin: '112233' };
const staff = { kind: 'staff' as const, id: COORDINATOR.id };

let site: WebSite;
let browser: Browser;
const brokers: EmbeddedBroker[] = [];

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      users: [{ name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin }],
      // Antigen results due after 3 s, so that the map shows overdue bays.
      configure: (raw) => {
        raw.yard.antigenResultMin = 0.05;
      },
    }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  for (const b of brokers) await b.close();
  await removeTempDirs();
});

const known = (page: Page) => page.evaluate(() => (globalThis as any).__gatepost.yard.known() as number);

/** The first test's page, kept open for the second. */
let firstPage: Page | undefined;

async function openYard(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${site.url}/yard`);
  await signInByTouch(page, COORDINATOR.id, COORDINATOR.pin);
  await expect.poll(() => known(page), { timeout: 15_000 }).toBe(1200);
  return page;
}

/** A point inside a bay's cell away from its number, mark and selection outline. */
async function bayPoint(page: Page, bay: string): Promise<{ x: number; y: number }> {
  const r = await page.evaluate(
    (b) =>
      (globalThis as any).__gatepost.yard.cellOf(b) as
        | { x: number; y: number; w: number; h: number }
        | undefined,
    bay,
  );
  if (!r) throw new Error(`bay ${bay} is not on the map`);
  return { x: Math.round(r.x + r.w * 0.25), y: Math.round(r.y + r.h * 0.25) };
}

async function bayColour(page: Page, bay: string): Promise<[number, number, number]> {
  const p = await bayPoint(page, bay);
  return screenPixel(page, p.x, p.y);
}

const colourOf = (state: BayState) => hexRgb(STATE_COLORS[state].fill);

const bayMessage = (bay: string, state: BayState) =>
  site.messages.find((m) => m.topic === `gatepost/demo/yard/bay/${bay}` && m.payload.state === state);

describe('yard map', () => {
  // 60 s: it draws 1,200 bays in real Chromium; beside other test files on two cores it neared 30 s.
  it('draws 1,200 bays; a bay changes colour on screen within a second of its event; a coordinator acts by touch', async () => {
    const page = await openYard();
    expect(await page.evaluate(() => (globalThis as any).__gatepost.yard.bayCount())).toBe(1200);
    await expect.poll(() => page.getByTestId('legend-free').textContent()).toContain('1200');
    expect(near(await bayColour(page, 'P-0412'), colourOf('free'))).toBe(true);

    // The event: a coordinator request on the broker blocks the bay.
    site.client.publish(
      'gatepost/demo/yard/request/block',
      JSON.stringify({
        transaction: 't-block-1',
        staffId: COORDINATOR.id,
        data: { bay: 'P-0412', reason: 'maintenance' },
      }),
    );
    await expect.poll(() => bayMessage('P-0412', 'blocked'), { timeout: 5_000, interval: 5 }).toBeDefined();
    const eventAt = bayMessage('P-0412', 'blocked')?.at ?? 0;
    let drawnAt = 0;
    for (const until = performance.now() + 3_000; performance.now() < until; ) {
      if (near(await bayColour(page, 'P-0412'), colourOf('blocked'))) {
        drawnAt = performance.now();
        break;
      }
    }
    expect(drawnAt).toBeGreaterThan(0);
    console.info(`yard map: bay drawn ${Math.round(drawnAt - eventAt)} ms after its retained message`);
    expect(drawnAt - eventAt).toBeLessThan(1_000);

    // By touch: choose a free bay on the map, assign a truck (plate on the plate keyboard), already in the bay.
    const p = await bayPoint(page, 'P-0001');
    await page.mouse.click(p.x + 4, p.y + 4);
    await expect.poll(() => page.getByTestId('bay-state').textContent()).toBe('空闲');
    await page.getByTestId('bay-assign').click();
    const dialog = page.locator('.dialog');
    for (const key of ['冀', 'A', '1', '2', '3', '4', '5'])
      await dialog.locator(`.keyboard [data-key="${key}"]`).click();
    expect(await page.getByTestId('assign-plate').inputValue()).toBe('冀A12345');
    await dialog.locator('input[type=checkbox]').check();
    await dialog.locator('.btn-primary').click();
    await expect.poll(() => page.getByTestId('bay-state').textContent(), { timeout: 5_000 }).toBe('已停车');
    expect(await page.getByTestId('bay-plate').textContent()).toBe('冀A12345');
    expect(near(await bayColour(page, 'P-0001'), colourOf('occupied'))).toBe(true);
    const bayReserved = () => site.messages.find((m) => m.topic === 'gatepost/demo/yard/bay-reserved');
    await expect.poll(bayReserved).toBeDefined(); // the page may hear of it first
    const reserved = bayReserved();
    expect(reserved?.payload.data).toMatchObject({
      bay: 'P-0001',
      by: { kind: 'staff', id: COORDINATOR.id },
    });

    // A busy yard for the picture: trucks in every truck zone, samples, results, blocks.
    await populate();
    await expect
      .poll(async () => near(await bayColour(page, 'I-0002'), colourOf('isolation')), { timeout: 5_000 })
      .toBe(true);
    await expect
      .poll(async () => near(await bayColour(page, 'P-0003'), colourOf('overdue')), { timeout: 10_000 })
      .toBe(true);
    await page.mouse.click((await bayPoint(page, 'P-0010')).x, (await bayPoint(page, 'P-0010')).y);
    await expect.poll(() => page.getByTestId('bay-state').textContent()).toBe('已采样');
    await saveScreenshot(page, site.dir, 'yard.png');
    await page.getByTestId('bay-close').click();
    // The page stays open for the next test.
    firstPage = page;
  }, 60_000);

  it('survives a broker restart: stale while it is down, live again after, changes still drawn', async () => {
    // The first test's page (signed in, all 1,200 bays known, the bay panel closed): signing in
    // and loading the yard again takes 5 s here, and nothing here needs a page fresher than that.
    const page = firstPage ?? (await openYard());
    expect(await known(page)).toBe(1200);
    expect(await page.getByTestId('link').getAttribute('class')).toContain('pill-ok');
    const old = site.gateway.broker!;
    const ports = { tcp: old.tcpPort!, ws: old.wsPort! };
    await old.close();
    await expect
      .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 10_000 })
      .toContain('pill-bad');
    expect(await page.locator('.stale-banner').isVisible()).toBe(true);

    const { config } = site;
    const broker = await startEmbeddedBroker({
      ...config.broker,
      tcp: { ...config.broker.tcp, port: ports.tcp },
      websocket: { ...config.broker.websocket, port: ports.ws },
      site: config.site.id,
      acl: GATEPOST_ACL,
      log: silentLogger(),
    });
    brokers.push(broker);
    await expect
      .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 20_000 })
      .toContain('pill-ok');
    expect(await page.locator('.stale-banner').isVisible()).toBe(false);
    // The map kept what it knew (the new broker holds no retained bays yet), drawn again at full
    // colour once the stale banner is gone...
    expect(await known(page)).toBe(1200);
    await expect.poll(async () => near(await bayColour(page, 'P-0412'), colourOf('blocked'))).toBe(true);
    // ...and follows what happens after the restart.
    await expect.poll(() => site.gateway.yard.view('P-0413')?.state).toBe('free');
    await site.gateway.yard.block('P-0413', 'disinfection', undefined, staff);
    await expect
      .poll(async () => near(await bayColour(page, 'P-0413'), colourOf('blocked')), { timeout: 10_000 })
      .toBe(true);
    await page.close();
  }, 60_000);
});

/** Trucks, samples, results and blocks across the zones, through the yard's own API. */
async function populate(): Promise<void> {
  const y = site.gateway.yard;
  const assign = (bay: string, plate: string, zoneKind: 'parking' | 'isolation' | 'handover') =>
    y.assign({ plate, bay, zoneKind, arrived: true, reason: 'test' }, staff);
  for (let i = 2; i <= 160; i++) {
    const bay = `P-${String(i).padStart(4, '0')}`;
    if (bay === 'P-0412') continue;
    await assign(bay, `晋A${String(10000 + i)}`, 'parking');
    if (i % 3 === 0) await y.sample(bay, 'antigen', staff);
    else if (i % 5 === 0) await y.sample(bay, 'pcr', staff);
    if (i % 7 === 0) {
      await y.sample(bay, 'antigen', staff);
      await y.result(bay, { result: 'negative' }, staff);
    }
  }
  for (let i = 1; i <= 12; i++)
    await assign(`I-${String(i).padStart(4, '0')}`, `豫B${String(20000 + i)}`, 'isolation');
  for (let i = 1; i <= 40; i++)
    await assign(`H-${String(i).padStart(4, '0')}`, `冀C${String(30000 + i)}`, 'handover');
  for (let i = 500; i < 520; i++) await y.block(`P-0${i}`, 'disinfection', undefined, staff);
  await y.settle();
}
