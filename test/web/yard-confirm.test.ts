import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARM_MS } from '../../gateway/web/client/yard/confirm-dialog.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { COORDINATOR, openYard, parkTruck, records, staff, tapBay, yardHook } from './support/yard-page.ts';

/**
 * The yard page's consequential actions, countdowns and plate search in real headless Chromium
 * against the real gateway, checked on what the gateway records (its MQTT records) and on the
 * screen: a POSITIVE result, a move to isolation and a release need the confirmation with the
 * plate large, cancel (or a double tap on the opening button) records nothing, a negative
 * result is one tap; a release offers "tested negative" only for a cleared truck; countdowns are in words in both languages, a never-used bay says so; the
 * plate typed on the search keypad finds the truck, the selection follows it through a move, the
 * chip clears the search, and the search clears itself when the truck leaves the yard.
 */
let site: WebSite;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      users: [{ name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin }],
      // Antigen results due after 3 s (overdue wording); PCR keeps its 6 hours (time left).
      configure: (raw) => {
        raw.yard.antigenResultMin = 0.05;
      },
    }),
    launchChromium(),
  ]);
  await parkTruck(site, 'P-0021', '冀B21021', 'pcr');
  await parkTruck(site, 'P-0022', '冀B21022', 'pcr');
  await parkTruck(site, 'P-0023', '冀B21023');
  await parkTruck(site, 'P-0024', '冀B21024', 'pcr');
  await parkTruck(site, 'P-0025', '冀B21025', 'antigen');
  await parkTruck(site, 'P-0026', '晋C26026');
  page = await openYard(browser, site, { width: 1280, height: 800 });
}, 90_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

const forBay = (kind: string, bay: string) => records(site, kind).filter((r) => r.payload.data.bay === bay);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const box = async (testid: string) => {
  const b = await page.getByTestId(testid).boundingBox();
  if (!b) throw new Error(`${testid} not on screen`);
  return b;
};
const apart = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
const dialogOpen = () => page.locator('.dialog-overlay').count();

describe('yard confirmations', () => {
  it('a POSITIVE result needs the confirmation: cancel and a double tap record nothing; a negative is one tap', async () => {
    await tapBay(page, 'P-0021');
    const positive = await box('bay-positive');
    const negative = await box('bay-negative');
    // Far apart: not in the same row nor the same column of the actions.
    expect(Math.abs(positive.y - negative.y)).toBeGreaterThanOrEqual(positive.height);
    expect(Math.abs(positive.x - negative.x)).toBeGreaterThanOrEqual(positive.width);

    await page.getByTestId('bay-positive').click();
    expect(await page.getByTestId('confirm-plate').textContent()).toBe('冀B21021');
    expect(await page.getByTestId('confirm-what').textContent()).toContain('P-0021');
    const plateSize = await page
      .getByTestId('confirm-plate')
      .evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
    expect(plateSize).toBeGreaterThanOrEqual(48);
    // Confirm is not where the opening button was, and looks unlike cancel.
    expect(apart(await box('confirm-yes'), positive)).toBe(true);
    const colour = (id: string) => page.getByTestId(id).evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await colour('confirm-yes')).not.toBe(await colour('confirm-no'));
    await page.getByTestId('confirm-no').click();
    expect(await dialogOpen()).toBe(0);

    // A double tap on the opening button opens the dialog and confirms nothing.
    await page.mouse.dblclick(positive.x + positive.width / 2, positive.y + positive.height / 2);
    await settle(ARM_MS + 600);
    expect(await dialogOpen()).toBe(1);
    expect(forBay('result-recorded', 'P-0021')).toEqual([]);
    await page.getByTestId('confirm-no').click();
    await settle(500);
    expect(forBay('result-recorded', 'P-0021')).toEqual([]);
    expect(site.gateway.yard.view('P-0021')?.truck?.samples[0]?.result).toBeUndefined();

    await page.getByTestId('bay-positive').click();
    await settle(ARM_MS);
    await page.getByTestId('confirm-yes').click();
    await expect.poll(() => forBay('result-recorded', 'P-0021').length, { timeout: 5_000 }).toBe(1);
    expect(forBay('result-recorded', 'P-0021')[0]?.payload.data).toMatchObject({
      result: 'positive',
      by: { kind: 'staff', id: COORDINATOR.id },
    });

    // The negative result: one tap, no dialog.
    await tapBay(page, 'P-0022');
    await page.getByTestId('bay-negative').click();
    expect(await dialogOpen()).toBe(0);
    await expect.poll(() => forBay('result-recorded', 'P-0022').length, { timeout: 5_000 }).toBe(1);
    expect(forBay('result-recorded', 'P-0022')[0]?.payload.data.result).toBe('negative');
  }, 60_000);

  it('a move to isolation and a release ask first; cancel moves nothing; the selection follows the truck', async () => {
    await tapBay(page, 'P-0023');
    const moved = () => records(site, 'truck-moved').filter((r) => r.payload.data.from === 'P-0023');
    const openIsolation = async () => {
      await page.getByTestId('bay-move').click();
      await page.getByTestId('move-zone-isolation').click();
      expect(await page.getByTestId('confirm-plate').textContent()).toBe('冀B21023');
    };
    await openIsolation();
    await page.getByTestId('confirm-no').click();
    await settle(500);
    expect(moved()).toEqual([]);
    expect(site.gateway.yard.view('P-0023')?.truck?.plate).toBe('冀B21023');

    await openIsolation();
    await settle(ARM_MS);
    await page.getByTestId('confirm-yes').click();
    await expect.poll(() => moved().length, { timeout: 5_000 }).toBe(1);
    const to = moved()[0]?.payload.data.to as string;
    expect(to).toMatch(/^I-\d{4}$/);
    // The selection went with the truck to its isolation bay.
    await expect.poll(() => yardHook<string>(page, 'selected'), { timeout: 5_000 }).toBe(to);
    expect(await page.getByTestId('bay-plate').textContent()).toBe('冀B21023');

    // Release: cancel first, then a reason from the presets and confirm.
    const released = () => forBay('bay-released', to);
    await page.getByTestId('bay-release').click();
    expect(await page.getByTestId('confirm-plate').textContent()).toBe('冀B21023');
    await page.getByTestId('confirm-no').click();
    await settle(500);
    expect(released()).toEqual([]);
    await page.getByTestId('bay-release').click();
    await settle(ARM_MS);
    await page.getByTestId('confirm-yes').click(); // no reason yet: stays open
    expect(await dialogOpen()).toBe(1);
    // An isolated truck is not a negative release: no such preset, a line saying it is an exception.
    expect(await page.getByTestId('release-cleared').count()).toBe(0);
    expect(await page.getByTestId('release-note').textContent()).toContain('车位随后封闭消杀');
    await page.getByTestId('release-transfer').click();
    await page.getByTestId('confirm-yes').click();
    await expect.poll(() => released().length, { timeout: 5_000 }).toBe(1);
    expect(released()[0]?.payload.data.reason).toBe('转运至其他场所');
    expect(site.gateway.yard.view(to)?.truck).toBeUndefined();
  }, 60_000);

  it('a release offers "tested negative" only for a truck whose latest result is negative', async () => {
    const presetsOf = async (bay: string) => {
      await tapBay(page, bay);
      await page.getByTestId('bay-release').click();
      const ids = await page
        .locator('.confirm-dialog .presets .btn')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.testid));
      const texts = await page.locator('.confirm-dialog .presets .btn').allTextContents();
      const note = (await page.getByTestId('release-note').count())
        ? await page.getByTestId('release-note').textContent()
        : null;
      await page.getByTestId('confirm-no').click();
      expect(await dialogOpen()).toBe(0);
      return { ids, texts, note };
    };
    // P-0024: its PCR result pending (hours left).
    expect(site.gateway.yard.view('P-0024')?.state).toBe('sampled');
    const pending = await presetsOf('P-0024');
    expect(pending.ids).toEqual(['release-transfer', 'release-error']);
    for (const text of pending.texts) expect(text).not.toContain('阴性');
    expect(pending.note).toContain('检测结果未出');
    // P-0026: in its bay, never tested.
    const untested = await presetsOf('P-0026');
    expect(untested.ids).toEqual(['release-transfer', 'release-error']);
    expect(untested.note).toContain('尚未检测');
    // P-0022: tested negative in the first test (cleared): the negative preset is offered, no note.
    expect(site.gateway.yard.view('P-0022')?.state).toBe('cleared');
    const cleared = await presetsOf('P-0022');
    expect(cleared.ids).toEqual(['release-cleared', 'release-transfer', 'release-error']);
    expect(cleared.texts[0]).toBe('检测阴性，准予离开');
    expect(cleared.note).toBeNull();
    expect(forBay('bay-released', 'P-0024')).toEqual([]);
    expect(forBay('bay-released', 'P-0022')).toEqual([]);
  }, 60_000);
});

describe('yard countdowns', () => {
  it('say how long is left or how late, in words, in both languages; a never-used bay says so', async () => {
    await expect.poll(() => site.gateway.yard.view('P-0025')?.state, { timeout: 10_000 }).toBe('overdue');
    const dueTimes = async () =>
      Object.fromEntries(
        await page
          .locator('[data-testid="due"] .due-item')
          .evaluateAll((els) =>
            els
              .filter((e) => (e as HTMLElement).offsetParent !== null)
              .map((e) => [
                e.querySelector('.due-bay')?.textContent,
                e.querySelector('.due-time')?.textContent,
              ]),
          ),
      ) as Record<string, string>;
    await page.getByTestId('bay-close').click();
    await page.getByTestId('tab-due').click();
    await expect.poll(async () => (await dueTimes())['P-0025'] ?? '').toMatch(/^超时 \+\d+(秒|分)$/);
    expect((await dueTimes())['P-0024']).toMatch(/^剩 (\d+小时\d+分|\d+分\d+秒|\d+秒)$/);
    for (const v of Object.values(await dueTimes())) expect(v).not.toMatch(/^\d+:\d\d/);

    await tapBay(page, 'P-0024');
    expect(await page.getByTestId('bay-samples').textContent()).toMatch(/结果：剩 \d+小时\d+分/);
    await tapBay(page, 'P-0500');
    expect(await page.getByTestId('bay-since').textContent()).toBe('未使用');

    await page.getByTestId('lang').click();
    expect(await page.getByTestId('bay-since').textContent()).toBe('never used');
    await page.getByTestId('bay-close').click();
    await expect.poll(async () => (await dueTimes())['P-0025'] ?? '').toMatch(/^overdue \+\d+ (s|min)$/);
    expect((await dueTimes())['P-0024']).toMatch(/^(\d+ h \d+ min|\d+ min \d+ s|\d+ s) left$/);
    await tapBay(page, 'P-0025');
    expect(await page.getByTestId('bay-samples').textContent()).toMatch(/result OVERDUE \+\d+ (s|min)/);
    await page.getByTestId('lang').click();
    await page.getByTestId('bay-close').click();
  }, 60_000);
});

describe('yard plate search', () => {
  it('types on the keypad, picks the truck, follows it through a move, clears, and clears when it leaves', async () => {
    const input = page.getByTestId('plate-search');
    const typeOnKeypad = async (text: string) => {
      for (const key of text) await page.locator(`.search-keypad [data-key="${key}"]`).click();
    };
    await page.getByTestId('search-keyboard').click();
    await typeOnKeypad('26026');
    expect(await input.inputValue()).toBe('26026');
    const match = page.locator('[data-testid="search-matches"] .due-item').first();
    await expect.poll(() => match.textContent()).toBe('晋C26026P-0026');
    await match.click();
    expect(await yardHook<string>(page, 'selected')).toBe('P-0026');
    expect(await page.locator('.search-keypad').isVisible()).toBe(false);
    expect(await page.getByTestId('bay-plate').textContent()).toBe('晋C26026');

    // Another coordinator moves the truck: the selection follows it.
    await site.gateway.yard.move({ from: 'P-0026', to: 'P-0126' }, staff);
    await expect.poll(() => yardHook<string>(page, 'selected'), { timeout: 5_000 }).toBe('P-0126');
    expect(await page.getByTestId('bay-plate').textContent()).toBe('晋C26026');

    // The chip clears the search.
    await page.getByTestId('search-clear').click();
    expect(await input.inputValue()).toBe('');
    expect(await page.getByTestId('search-matches').isVisible()).toBe(false);

    // The truck leaves the yard while it is searched for: the search clears and says so.
    await page.getByTestId('search-keyboard').click();
    await typeOnKeypad('26026');
    await expect.poll(() => match.textContent()).toBe('晋C26026P-0126');
    await page.getByTestId('search-keyboard').click();
    await site.gateway.yard.release('P-0126', 'test', staff);
    await expect.poll(() => input.inputValue(), { timeout: 5_000 }).toBe('');
    expect(await input.getAttribute('placeholder')).toBe('晋C26026 已离场');
    expect(await page.locator('.toast').last().textContent()).toBe('晋C26026 已离场');
  }, 60_000);
});
