import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/tmp.ts';
import {
  launchChromium,
  saveScreenshot,
  signInByTouch,
  startWebSite,
  type WebSite,
} from '../support/web-site.ts';

/**
 * The lane kiosk in real headless Chromium against the real gateway with simulated devices:
 * staff sign in with their staff ID and PIN on the on-screen keyboards; a simulated truck
 * appears with its decision; an override changes it and is audited under the staff ID; a fever
 * raises a loud alarm that staff acknowledge.
 */
const SCALE = 4; // device state (thermometer window, arm travel) 4× faster

let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      timeScale: SCALE,
      users: [
        { name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' },
        { name: '200301', role: 'kiosk', lane: 'west-1', pin: '135790' },
      ],
    }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await removeTempDirs();
});

async function openKiosk(lane: string, staffId: string, pin: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${site.url}/kiosk/${lane}`);
  await signInByTouch(page, staffId, pin);
  await expect
    .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 10_000 })
    .toContain('pill-ok');
  return page;
}

/** A truck drives onto the lane, shows its pass and has its temperature taken. */
async function truck(lane: string, code: string, tempC: number): Promise<void> {
  const sim = site.site.lane(lane);
  sim.barrier.putVehicle();
  await sim.scanner.present(code);
  sim.thermometer?.presentTarget(tempC);
}

const records = (lane: string, type: string) =>
  site.messages.filter((m) => m.topic === `gatepost/demo/lane/${lane}/${type}`).map((m) => m.payload);

describe('lane kiosk', () => {
  it('shows a simulated truck with its decision; an override changes it and is audited', async () => {
    const page = await openKiosk('east-1', '200101', '246810');
    await expect.poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome')).toBe('waiting');

    // Green pass without a test: YARD, with a parking bay to drive to.
    await truck('east-1', await site.sign({ plate: '晋D10002', sub: 'drv-2', color: 'green' }), 36.6);
    await expect.poll(() => records('east-1', 'decision').length, { timeout: 15_000 }).toBe(1);
    const decision = records('east-1', 'decision')[0]?.data;
    expect(decision).toMatchObject({ outcome: 'YARD', by: 'rules', bay: expect.stringMatching(/^P-\d{4}$/) });
    await expect.poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome')).toBe('YARD');
    await expect.poll(() => page.getByTestId('banner-detail').textContent()).toContain(decision.bay);
    expect(await page.getByTestId('outcome').textContent()).toBe('进入堆场');
    expect(await page.getByTestId('plate').textContent()).toBe('晋D10002');
    expect(await page.getByTestId('temperature').textContent()).toBe('36.6 °C');
    expect(await page.getByTestId('temperature').getAttribute('data-fever')).toBe('false');
    expect(await page.getByTestId('colour').textContent()).toBe('绿码');
    expect(await page.getByTestId('pass').textContent()).toContain('验证通过');
    expect(await page.locator('[data-testid="reasons"] li').first().getAttribute('data-code')).toBe(
      'no-recent-test',
    );
    await expect.poll(() => page.getByTestId('recent').textContent()).toContain('晋D10002');
    await expect.poll(() => page.getByTestId('health-scanner').textContent()).toBe('正常');
    await saveScreenshot(page, site.dir, 'kiosk.png');

    // English on the switch, the same decision in English words.
    await page.getByTestId('lang').click();
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('TO THE YARD');
    await page.getByTestId('lang').click();

    // Override to REVIEW with a preset reason, by the signed-in person.
    await page.getByTestId('action-override').click();
    await page.getByTestId('override-REVIEW').click();
    await page.locator('.dialog .preset').first().click();
    await page.locator('.dialog .btn-danger').click();
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 10_000 })
      .toBe('REVIEW');
    await expect.poll(() => page.getByTestId('decided-by').textContent()).toContain('200101');
    const audit = records('east-1', 'staff-action');
    expect(audit).toEqual([
      expect.objectContaining({
        type: 'staff-action',
        data: expect.objectContaining({ action: 'override', staffId: '200101', ok: true }),
      }),
    ]);
    expect(records('east-1', 'decision').at(-1)?.data).toMatchObject({
      outcome: 'REVIEW',
      by: 'staff',
      staffId: '200101',
      reasons: [expect.objectContaining({ code: 'staff-override', detail: '已人工核验通行码' })],
    });
    await expect.poll(() => page.getByTestId('last-action').textContent()).toContain('200101');
    site.site.lane('east-1').thermometer?.removeTarget();
    await page.close();
  });

  it('sounds a fever alarm until staff acknowledge it', async () => {
    const page = await openKiosk('west-1', '200301', '135790');
    const beeps = () => page.evaluate(() => (globalThis as any).__gatepost.kiosk.beeps() as number);
    const sounding = () => page.evaluate(() => (globalThis as any).__gatepost.kiosk.sounding() as boolean);
    expect(await sounding()).toBe(false);

    await truck('west-1', await site.sign({ plate: '豫A20003', sub: 'drv-3', color: 'green' }), 38.4);
    const bannerEl = page.getByTestId('alarm-banner');
    await expect.poll(() => bannerEl.isVisible(), { timeout: 15_000 }).toBe(true);
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 10_000 })
      .toBe('ISOLATE');
    // Both alarms of the record stream are up (fever, isolate); the newest is on top.
    await expect.poll(() => records('west-1', 'alarm').map((r) => r.data.kind)).toEqual(['fever', 'isolate']);
    await expect.poll(() => page.getByTestId('alarm-ack').textContent()).toBe('确认全部 2 条');
    expect(await page.getByTestId('temperature').getAttribute('data-fever')).toBe('true');
    const feverBg = await page
      .getByTestId('temperature')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(feverBg).toBe('rgb(225, 29, 72)');
    expect(await sounding()).toBe(true);
    await expect.poll(beeps).toBeGreaterThan(0);

    await page.getByTestId('alarm-ack').click();
    await expect.poll(() => bannerEl.isVisible()).toBe(false);
    expect(await sounding()).toBe(false);
    const heard = await beeps();
    await page.waitForTimeout(1_600);
    expect(await beeps()).toBe(heard);
    await expect.poll(() => page.getByTestId('alarm-log').textContent()).toContain('200301 于');
    site.site.lane('west-1').thermometer?.removeTarget();
    await page.close();
  });
});
