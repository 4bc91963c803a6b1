import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/tmp.ts';
import {
  closeBrowser,
  launchChromium,
  saveScreenshot,
  startWebSite,
  type WebSite,
} from '../support/web-site.ts';
import { auditLayout, describeProblems, positionsOf } from './support/layout-audit.ts';
import { COORDINATOR, cellOf, openYard, parkTruck, tapBay, yardHook } from './support/yard-page.ts';

/**
 * The yard page's layout in real headless Chromium against the real gateway, at the three
 * screens it is used on (a 10-inch 1024×600, a 1280×800 tablet, a 1920×1080 monitor): nothing
 * outside the screen, no interactive element over another, every target at least 60 px, in the
 * overview, with a bay chosen (all its actions whole on screen), with the search keypad open and
 * in the dialogs; no overview text cut inside its box in either language; notices only in their own strip, never over the map, and nothing moving when
 * one comes; zoomed in, bays big enough for a finger, and a tap on one chooses it.
 */
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
/** Buttons that keep their places whatever the language, the zoom or the tab. */
const MAIN_BUTTONS = [
  '[data-testid="plate-search"]',
  '[data-testid="search-keyboard"]',
  '[data-testid="zoom"]',
  '[data-testid="zone-parking"]',
  '[data-testid="zone-handover"]',
  '[data-testid="tab-states"]',
  '[data-testid="tab-dwell"]',
  '[data-testid="legend-free"]',
  '[data-testid="legend-blocked"]',
  '[data-testid="toast-slot"]',
];
/** The smallest tap area of a zoomed bay (docs/web.md). */
const MIN_BAY_PX = 40;

let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({ users: [{ name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin }] }),
    launchChromium(),
  ]);
  // A truck with a test waiting (the bay panel with the most actions) and a few more.
  await parkTruck(site, 'P-0003', '冀A30003', 'antigen');
  for (let i = 4; i <= 8; i++)
    await parkTruck(site, `P-000${i}`, `晋A1000${i}`, i % 2 === 0 ? 'antigen' : undefined);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

async function expectClean(page: Page, what: string, ignore: string[] = []): Promise<void> {
  const problems = await auditLayout(page, { ignore });
  expect(problems, `${what}:\n${describeProblems(problems)}`).toEqual([]);
}

/** Every element matching `selector` lies wholly inside the viewport. */
async function allInside(page: Page, selector: string): Promise<void> {
  const vp = page.viewportSize();
  const boxes = await page.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { l: r.left, t: r.top, r: r.right, b: r.bottom };
    }),
  );
  expect(boxes.length).toBeGreaterThan(0);
  for (const b of boxes) {
    expect(b.l).toBeGreaterThanOrEqual(0);
    expect(b.t).toBeGreaterThanOrEqual(0);
    expect(b.r).toBeLessThanOrEqual(vp?.width ?? 0);
    expect(b.b).toBeLessThanOrEqual(vp?.height ?? 0);
  }
}

/**
 * Elements of the overview (the side panel: tabs, panes, legend, totals) whose text is cut inside
 * them: taller content than the box shows. The layout audit looks at boxes against the screen and
 * each other, not at text clipped inside a box that fits.
 */
async function cutInside(page: Page): Promise<string[]> {
  return page.locator('.side-panel').evaluate((root) =>
    [root, ...root.querySelectorAll<HTMLElement>('*')]
      .filter((e) => (e as HTMLElement).offsetParent !== null && e.clientHeight > 0)
      .filter((e) => e.scrollHeight > e.clientHeight + 1)
      .map(
        (e) =>
          `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} "${(e.textContent ?? '').slice(0, 40)}" ${e.scrollHeight} > ${e.clientHeight}`,
      ),
  );
}

describe('yard page layout', () => {
  it('fits 1024×600, 1280×800 and 1920×1080: overview, a chosen bay, the keypad, the dialogs', async () => {
    const page = await openYard(browser, site, SIZES[0]!);
    for (const size of SIZES) {
      const tag = `${size.width}x${size.height}`;
      await page.setViewportSize(size);
      if (await page.getByTestId('bay-panel').isVisible()) await page.getByTestId('bay-close').click();
      for (const tab of ['due', 'alerts', 'dwell', 'states']) {
        await page.getByTestId(`tab-${tab}`).click();
        await expectClean(page, `${tag} overview, ${tab}`);
        expect(await cutInside(page), `${tag} overview, ${tab}: text cut`).toEqual([]);
      }
      // The main buttons keep their places in English and zoomed in.
      const zh = await positionsOf(page, MAIN_BUTTONS);
      await page.getByTestId('lang').click();
      for (const tab of ['due', 'alerts', 'dwell', 'states']) {
        await page.getByTestId(`tab-${tab}`).click();
        expect(await cutInside(page), `${tag} overview in English, ${tab}: text cut`).toEqual([]);
      }
      expect(await positionsOf(page, MAIN_BUTTONS), `${tag} in English`).toEqual(zh);
      await expectClean(page, `${tag} overview in English`);
      await page.getByTestId('lang').click();
      await page.getByTestId('zoom').click();
      expect(await positionsOf(page, MAIN_BUTTONS), `${tag} zoomed`).toEqual(zh);
      await page.getByTestId('zoom').click();

      await tapBay(page, 'P-0003');
      await expect.poll(() => page.getByTestId('bay-plate').textContent()).toBe('冀A30003');
      await expectClean(page, `${tag} bay chosen`);
      // All seven actions of a truck with a test waiting (the card among them), whole on screen.
      expect(await page.locator('.bay-actions .btn').count()).toBe(7);
      await allInside(page, '.bay-actions .btn');
      await saveScreenshot(page, site.dir, `yard-${tag}.png`);

      await page.getByTestId('search-keyboard').click();
      for (const key of ['3', '0']) await page.locator(`.search-keypad [data-key="${key}"]`).click();
      await expectClean(page, `${tag} search keypad open`);
      await allInside(page, '.search-keypad .key');
      await page.getByTestId('search-clear').click();
      await page.getByTestId('search-keyboard').click();

      await page.getByTestId('bay-positive').click();
      await expectClean(page, `${tag} confirmation`);
      await page.getByTestId('confirm-no').click();

      await page.getByTestId('bay-release').click();
      await expectClean(page, `${tag} release`);
      await allInside(page, '.confirm-dialog .btn');
      await page.getByTestId('confirm-no').click();

      await page.getByTestId('bay-move').click();
      await expectClean(page, `${tag} move`);
      await allInside(page, '.move-dialog .btn, .move-dialog .key');
      await page.locator('.move-dialog .dialog-actions .btn').first().click();

      await tapBay(page, 'P-0100');
      await page.getByTestId('bay-assign').click();
      await expectClean(page, `${tag} assign`);
      await allInside(page, '.assign-dialog .btn, .assign-dialog .key');
      await page.locator('.assign-dialog .keyboard [data-key="switch"]').click();
      await expectClean(page, `${tag} assign, letters`);
      await allInside(page, '.assign-dialog .btn, .assign-dialog .key');
      await page.locator('.assign-dialog .dialog-actions .btn').first().click();
      await page.getByTestId('bay-close').click();
    }
    await page.close();
  }, 120_000);

  it('shows notices only in their strip beside the map, and nothing moves when one comes', async () => {
    const page = await openYard(browser, site, SIZES[1]!);
    await tapBay(page, 'P-0200');
    const watched = [
      '[data-testid="yard-canvas"]',
      '[data-testid="plate-search"]',
      '[data-testid="zoom"]',
      '[data-testid="bay-close"]',
      '[data-testid="bay-block-disinfection"]',
      '[data-testid="bay-block-maintenance"]',
    ];
    const before = await positionsOf(page, watched);
    await page.getByTestId('bay-block-maintenance').click();
    const toast = page.locator('.toast');
    await toast.first().waitFor({ state: 'visible' });
    const slot = await page.getByTestId('toast-slot').boundingBox();
    const map = await page.locator('.map-box').boundingBox();
    const shown = await toast.last().boundingBox();
    if (!slot || !map || !shown) throw new Error('no box');
    // Inside the strip kept for it...
    expect(shown.x).toBeGreaterThanOrEqual(slot.x - 1);
    expect(shown.y).toBeGreaterThanOrEqual(slot.y - 1);
    expect(shown.x + shown.width).toBeLessThanOrEqual(slot.x + slot.width + 1);
    expect(shown.y + shown.height).toBeLessThanOrEqual(slot.y + slot.height + 1);
    // ...which is not on the map.
    expect(shown.x).toBeGreaterThanOrEqual(map.x + map.width);
    // The block changed the bay's actions (unblock now); the rest stayed where it was.
    await expect.poll(() => page.getByTestId('bay-unblock').isVisible()).toBe(true);
    const during = await positionsOf(page, watched.slice(0, 4));
    for (const s of watched.slice(0, 4)) expect(during[s], s).toEqual(before[s]);
    await expectClean(page, 'with a notice');
    await page.getByTestId('bay-unblock').click();
    await page.close();
  }, 60_000);

  it('on a 1280×800 tablet, zoomed in: bays of 40 px and more, numbered, and a tap chooses one', async () => {
    const page = await openYard(browser, site, SIZES[1]!, { hasTouch: true });
    const fit = await cellOf(page, 'P-0450');
    await page.getByTestId('zoom').tap();
    await expect.poll(() => yardHook<boolean>(page, 'zoomed')).toBe(true);
    const zoomed = await cellOf(page, 'P-0003');
    console.info(`yard map at 1280×800: bays ${fit.w} px whole yard, ${zoomed.w} px zoomed`);
    expect(zoomed.w).toBeGreaterThanOrEqual(MIN_BAY_PX);
    expect(zoomed.h).toBeGreaterThanOrEqual(MIN_BAY_PX);
    await tapBay(page, 'P-0003', true);
    await expect.poll(() => page.getByTestId('bay-plate').textContent()).toBe('冀A30003');
    // The canvas is taller than its box now and scrolls; the DOM targets around it still pass.
    await expectClean(page, 'zoomed', ['[data-testid="yard-canvas"]']);
    await saveScreenshot(page, site.dir, 'yard-tablet-zoomed.png');
    await page.close();
  }, 60_000);
});
