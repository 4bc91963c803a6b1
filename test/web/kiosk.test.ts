import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/tmp.ts';
import {
  closeBrowser,
  launchChromium,
  saveScreenshot,
  startWebSite,
  type WebSite,
} from '../support/web-site.ts';
import {
  heard,
  openKiosk,
  pageNow,
  records as recordsOf,
  soundNow,
  truck as truckOn,
} from './kiosk-helpers.ts';

/**
 * The lane kiosk in real headless Chromium against the real gateway with simulated devices:
 * staff sign in with their staff ID and PIN on the on-screen keyboards and check the sound; a
 * simulated truck appears with its decision; an override changes it and is audited under the
 * staff ID; a fever raises loud alarms that staff acknowledge one by one.
 */
const SCALE = 4; // device state (thermometer window, arm travel) 4× faster

let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      timeScale: SCALE,
      // An isolation on one screening reading (feverConfirm immediate): these pages are about the
      // alarms that follow; the recheck is tested in test/e2e/fever-recheck.test.ts.
      configure: (raw) => {
        raw.rules = { ...raw.rules, feverConfirm: 'immediate' };
      },
      users: [
        { name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' },
        { name: '200301', role: 'kiosk', lane: 'west-1', pin: '135790' },
      ],
    }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

const openKioskAs = (lane: string, staff: string, pin: string) =>
  openKiosk(browser, site, { lane, staff, pin });
const truck = (lane: string, code: string, tempC: number) => truckOn(site, lane, code, tempC);
const records = (lane: string, type: string) => recordsOf(site, lane, type);

describe('lane kiosk', () => {
  it('shows a simulated truck with its decision; an override changes it and is audited', async () => {
    const page = await openKioskAs('east-1', '200101', '246810');
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
    // The audit record is written as the reply goes out: it may reach the test's client after the page.
    await expect
      .poll(() => records('east-1', 'staff-action'))
      .toEqual([
        expect.objectContaining({
          type: 'staff-action',
          data: expect.objectContaining({ action: 'override', staffId: '200101', ok: true }),
        }),
      ]);
    await expect
      .poll(() => records('east-1', 'decision').at(-1)?.data)
      .toMatchObject({
        outcome: 'REVIEW',
        by: 'staff',
        staffId: '200101',
        reasons: [expect.objectContaining({ code: 'staff-override', detail: '已人工核验通行码' })],
      });
    await expect.poll(() => page.getByTestId('last-action').textContent()).toContain('200101');
    site.site.lane('east-1').thermometer?.removeTarget();
    await page.close();
  });

  it('sounds a fever alarm until staff acknowledge it, one alarm at a time, in plain Chinese', async () => {
    const page = await openKioskAs('west-1', '200301', '135790');
    expect(await soundNow(page)).toBe(null);
    const since = await pageNow(page);

    await truck('west-1', await site.sign({ plate: '豫A20003', sub: 'drv-3', color: 'green' }), 38.4);
    const bannerEl = page.getByTestId('alarm-banner');
    await expect.poll(() => bannerEl.getAttribute('data-state'), { timeout: 15_000 }).toBe('alarm');
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 10_000 })
      .toBe('ISOLATE');
    // Both alarms of the record stream are up (fever, isolate), worded from their params.
    await expect.poll(() => records('west-1', 'alarm').map((r) => r.data.kind)).toEqual(['fever', 'isolate']);
    expect(records('west-1', 'alarm')[0]?.data.params).toMatchObject({
      plate: '豫A20003',
      temperatureC: 38.4,
    });
    await expect.poll(() => page.getByTestId('alarm-more').textContent()).toBe('另有 1 条');
    // The newest of the class first: the isolation, with its bay and what to do.
    expect(await page.getByTestId('alarm-kind').textContent()).toBe('需要隔离');
    expect(await page.getByTestId('alarm-message').textContent()).toContain('豫A20003 需要隔离：发热');
    expect(await page.getByTestId('alarm-todo').textContent()).toMatch(/隔离车位 I-\d{4}/);
    expect(await page.getByTestId('alarm-ack').textContent()).toBe('确认');
    expect(await page.getByTestId('temperature').getAttribute('data-fever')).toBe('true');
    const feverBg = await page
      .getByTestId('temperature')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(feverBg).toBe('rgb(225, 29, 72)');
    expect(await soundNow(page)).toBe('fever');
    await expect
      .poll(async () => (await heard(page, since)).filter((c) => c === 'fever').length)
      .toBeGreaterThan(3);

    // One tap, one alarm: the fever is still open, and still sounding.
    await page.getByTestId('alarm-ack').click();
    await expect.poll(() => page.getByTestId('alarm-kind').textContent()).toBe('发热告警');
    expect(await page.getByTestId('alarm-message').textContent()).toContain('豫A20003 司机体温 38.4 °C');
    expect(await soundNow(page)).toBe('fever');
    await page.getByTestId('alarm-ack').click();
    await expect.poll(() => bannerEl.getAttribute('data-state')).toBe('none');
    expect(await soundNow(page)).toBe(null);
    const after = await pageNow(page);
    await page.waitForTimeout(1_600);
    expect(await heard(page, after)).toEqual([]);
    await expect.poll(() => page.getByTestId('alarm-log').textContent()).toContain('200301 于');
    site.site.lane('west-1').thermometer?.removeTarget();
    await page.close();
  });
});
