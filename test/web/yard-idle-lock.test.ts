import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZH } from '../../gateway/web/client/shared/strings-zh.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { auditLayout, describeProblems, positionsOf } from './support/layout-audit.ts';
import { COORDINATOR, openYard, parkTruck, records, tapBay, yardHook } from './support/yard-page.ts';

/**
 * The yard page's idle lock in real Chromium against the real gateway: after idleLockMinutes
 * without a touch (Playwright's clock jumps 21 minutes) the actions lock behind the PIN while the
 * map, its updates and the alerts stay live; the "enter PIN" control takes the notice strip's left
 * part and covers no target at 1024×600 and 1280×800 (a notice shown beside it); a tap on an
 * action opens the keypad and records nothing; a wrong PIN is refused, the right one unlocks.
 */
let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      users: [{ name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin }],
      // An antigen result is overdue after 3 s: an alert (and its notice) while the page is locked.
      configure: (raw) => {
        raw.yard.antigenResultMin = 0.05;
      },
    }),
    launchChromium(),
  ]);
  await parkTruck(site, 'P-0031', '冀B31031', 'pcr');
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

const MAIN = ['[data-testid="zoom"]', '[data-testid="plate-search"]', '[data-testid="tab-states"]'];
const locked = (page: Page) => page.evaluate(() => document.body.classList.contains('is-locked'));
const forBay = (bay: string) => records(site, 'result-recorded').filter((r) => r.payload.data.bay === bay);

async function expectClean(page: Page, what: string): Promise<void> {
  const problems = await auditLayout(page);
  expect(problems, `${what}:\n${describeProblems(problems)}`).toEqual([]);
}

describe('yard idle lock', () => {
  it('locks the actions only: the map and alerts stay live, the control covers nothing, the PIN unlocks', async () => {
    // Playwright's clock from the page's start: the idle check follows its fast-forward.
    const page = await openYard(browser, site, { width: 1280, height: 800 }, { clock: true });
    const before = await positionsOf(page, MAIN);
    await page.evaluate('window.__sameDocument = true');
    const control = page.getByTestId('idle-lock');
    expect(await control.isVisible()).toBe(false);

    await page.clock.fastForward('21:00');
    await expect.poll(() => locked(page), { timeout: 20_000 }).toBe(true);
    expect(await control.isVisible()).toBe(true);
    expect(await control.textContent()).toBe(ZH['lock.control']);
    // In the notice strip, 60 px high; nothing else moved; still signed in, connected, same page.
    const slot = await page.getByTestId('toast-slot').boundingBox();
    const lockBox = await control.boundingBox();
    expect(lockBox && slot).toBeTruthy();
    if (!lockBox || !slot) return;
    expect(lockBox.height).toBeGreaterThanOrEqual(60);
    expect(lockBox.y).toBeGreaterThanOrEqual(slot.y - 2);
    expect(lockBox.x + lockBox.width).toBeLessThanOrEqual(slot.x + slot.width);
    expect(await positionsOf(page, MAIN)).toEqual(before);
    await expectClean(page, 'locked at 1280x800');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(await page.getByTestId('link').getAttribute('class')).toContain('pill-ok');

    // The map takes its updates while locked; an alert comes with its notice beside the control.
    const applied = (await yardHook<{ applied: number }>(page, 'stats')).applied;
    await parkTruck(site, 'P-0032', '冀B32032', 'antigen');
    await expect
      .poll(async () => (await yardHook<{ applied: number }>(page, 'stats')).applied, { timeout: 10_000 })
      .toBeGreaterThan(applied);
    const notice = page.locator('.toast').last();
    await notice.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await notice.textContent()).toContain('冀B32032');
    const noticeBox = await notice.boundingBox();
    expect(noticeBox && noticeBox.x >= lockBox.x + lockBox.width).toBe(true);
    await expectClean(page, 'locked at 1280x800 with a notice');
    await page.setViewportSize({ width: 1024, height: 600 });
    // The map takes the new size on its next ResizeObserver round.
    await expect
      .poll(async () => {
        const b = await page.getByTestId('yard-canvas').boundingBox();
        return b ? b.y + b.height <= 600 - 60 : false;
      })
      .toBe(true);
    await expectClean(page, 'locked at 1024x600');
    expect((await control.boundingBox())?.height).toBeGreaterThanOrEqual(60);

    // A bay can be chosen and read; its action asks for the PIN and records nothing.
    await tapBay(page, 'P-0031');
    await page.getByTestId('bay-negative').click();
    const keypad = page.locator('.dialog-lock');
    await keypad.waitFor();
    await expectClean(page, 'the PIN keypad at 1024x600');
    expect(forBay('P-0031')).toEqual([]);
    const typePin = async (pin: string) => {
      for (const ch of pin) await keypad.locator(`.keyboard-pin [data-key="${ch}"]`).click();
      await keypad.locator('.keyboard-pin [data-key="enter"]').click();
    };
    await typePin('000000');
    await expect
      .poll(() => page.getByTestId('unlock-message').textContent(), { timeout: 10_000 })
      .toBe(ZH['lock.wrongPin']);
    expect(await locked(page)).toBe(true);
    await typePin(COORDINATOR.pin);
    await keypad.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await locked(page)).toBe(false);
    expect(await control.isVisible()).toBe(false);
    expect(forBay('P-0031')).toEqual([]);

    // Unlocked, the same tap acts.
    await page.getByTestId('bay-negative').click();
    await expect.poll(() => forBay('P-0031').length, { timeout: 5_000 }).toBe(1);
    expect(forBay('P-0031')[0]?.payload.data.result).toBe('negative');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await page.close();
  }, 120_000);

  it("counts a token's time left on the gateway's clock: a screen 21 minutes ahead does not refresh every 5 s", async () => {
    // The token lives 15 minutes. Counted on the screen's own clock, 21 minutes ahead, the time
    // left after a refresh is below zero and the next refresh came 5 s later, again and again,
    // each replacing the session (an unlock in flight then said "sign-in expired").
    const page = await openYard(browser, site, { width: 1280, height: 800 }, { clock: true });
    const refreshes: number[] = [];
    page.on('requestfinished', (r) => {
      if (r.url().endsWith('/api/refresh')) refreshes.push(Date.now());
    });
    await page.clock.fastForward('21:00');
    // The refresh that was due within those 21 minutes runs once.
    await expect.poll(() => refreshes.length, { timeout: 10_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 11_000));
    expect(refreshes).toHaveLength(1);
    // Still signed in: no sign-in form.
    expect(await page.getByTestId('sign-in').isVisible()).toBe(false);
    await page.close();
  }, 60_000);
});
