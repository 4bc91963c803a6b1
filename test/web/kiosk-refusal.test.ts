import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EN } from '../../gateway/web/client/shared/strings-en.ts';
import { ZH } from '../../gateway/web/client/shared/strings-zh.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk } from './kiosk-helpers.ts';

/**
 * A staff action the gateway refuses, in real Chromium against the real gateway: the kiosk words
 * the refusal from the reply's error code (here 403, a vehicle under the arm) in the screen's
 * language, with what to do, and never shows the gateway's English reason.
 */
let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({ users: [{ name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' }] }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

describe('kiosk refusals', () => {
  it('says why closing the barrier was refused, in Chinese and in English, from the code', async () => {
    const page = await openKiosk(browser, site, { lane: 'east-1', staff: '200101', pin: '246810' });
    const barrier = site.site.lane('east-1').barrier;
    barrier.putVehicle();
    const toast = page.locator('.toast-error').last();

    await page.getByTestId('action-close').click();
    await toast.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await toast.textContent()).toBe(`栏杆操作失败：${ZH['refusal.BarrierUnsafe']}`);
    expect(await toast.textContent()).not.toMatch(/[A-Za-z]/);
    // The gateway refused it with the code, and its English reason stayed on the wire.
    const barrierReply = () =>
      site.messages.find((m) => m.topic === 'gatepost/demo/lane/east-1/response/barrier');
    await expect.poll(barrierReply).toBeDefined(); // the page may hear the reply first
    const reply = barrierReply();
    const body = reply?.payload;
    expect(body).toMatchObject({ status: 'error', data: { code: 403 } });
    expect(body.error).toMatch(/loop/);

    await page.getByTestId('lang').click();
    await page.getByTestId('action-close').click();
    await expect
      .poll(() => page.locator('.toast-error').last().textContent(), { timeout: 10_000 })
      .toBe(`Barrier failed: ${EN['refusal.BarrierUnsafe']}`);
    barrier.removeVehicle();
    await page.close();
  }, 90_000);
});
