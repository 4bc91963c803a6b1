import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk, records as recordsOf, truck as truckOn } from './kiosk-helpers.ts';

/**
 * The kiosk's "enter a temperature" form in real headless Chromium against the real gateway
 * with simulated devices: a screening fever is REVIEW (to recheck); staff enter a normal contact
 * reading on the dialog's keypad, the truck is decided on its pass, and the request is audited
 * under their id.
 * The device panel shows the thermometer's calibration.
 */
let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      timeScale: 4,
      configure: (raw) => {
        for (const cp of raw.checkpoints)
          for (const lane of cp.lanes)
            if (lane.id === 'east-1') {
              lane.devices.thermometer.calibratedAt = '2026-01-01';
              lane.devices.thermometer.calibrationIntervalDays = 30;
            }
      },
      users: [{ name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' }],
    }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

describe('kiosk: a temperature taken by hand', () => {
  it('clears a screening fever: the form sends value, unit and instrument; the truck is decided on its pass; audited', async () => {
    const page = await openKiosk(browser, site, { lane: 'east-1', staff: '200101', pin: '246810' });
    await expect
      .poll(() => page.getByTestId('calibration').textContent(), { timeout: 10_000 })
      .toContain('已过期');
    await truckOn(
      site,
      'east-1',
      await site.sign({ plate: '晋D30001', sub: 'drv-31', color: 'green' }),
      38.2,
    );
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 15_000 })
      .toBe('REVIEW');
    // The page's WebSocket may hear the decision before the test's MQTT client does.
    await expect
      .poll(() => recordsOf(site, 'east-1', 'decision')[0]?.data.reasons[0]?.code)
      .toBe('recheck-required');

    await page.getByTestId('action-reading').click();
    // A value out of range is refused on the page, before anything is sent.
    for (const k of ['9', '9']) await page.locator(`.dialog [data-key="${k}"]`).click();
    await page.getByTestId('reading-method-contact').click();
    await page.locator('.dialog .btn-primary').click();
    expect(await page.locator('.dialog').count()).toBe(1);
    await page.locator('.dialog [data-key="clear"]').click();
    for (const k of ['3', '6', '.', '6']) await page.locator(`.dialog [data-key="${k}"]`).click();
    expect(await page.getByTestId('reading-value').inputValue()).toBe('36.6');
    await page.locator('.dialog .btn-primary').click();

    // Not a fever after all: decided on the pass (green without a test: to the yard).
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 10_000 })
      .toBe('YARD');
    await expect
      .poll(() =>
        recordsOf(site, 'east-1', 'decision')
          .at(-1)
          ?.data.reasons.map((r: any) => r.code),
      )
      .toEqual(expect.arrayContaining(['fever-not-confirmed', 'no-recent-test']));
    await expect
      .poll(() => recordsOf(site, 'east-1', 'measurement').map((r) => r.data.method))
      .toEqual(['screening', 'contact']);
    expect(recordsOf(site, 'east-1', 'measurement')[1]?.data).toMatchObject({
      objectC: 36.6,
      staffId: '200101',
    });
    await expect
      .poll(() => recordsOf(site, 'east-1', 'staff-action').map((r) => r.data))
      .toContainEqual(expect.objectContaining({ action: 'reading', staffId: '200101', ok: true }));
    site.site.lane('east-1').thermometer?.removeTarget();
    await page.close();
  });
});
