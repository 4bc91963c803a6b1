import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import type { WebServer } from '../../gateway/web/server.ts';
import { closeBrowser, launchChromium } from '../support/chromium.ts';
import { startSignInServer } from '../support/sign-in-server.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { auditLayout, type Box, describeProblems, positionsOf } from './support/layout-audit.ts';

/**
 * The sign-in screen in real Chromium at the kiosk's 1024×600 and 1280×800 and a 1920×1080
 * monitor, in Chinese and English: staff ID, PIN keypad and sign-in button all on screen without
 * scrolling, every key at least 60 px, nothing overlapping, and the button and keys in the same
 * place whatever the language or message; then a sign-in by touch at 1024×600.
 */
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

let broker: EmbeddedBroker;
let web: WebServer;
let browser: Browser;

beforeAll(async () => {
  [{ broker, web }, browser] = await Promise.all([
    startSignInServer('gatepost-sign-in-layout-'),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await web?.close();
  await broker?.close();
  await removeTempDirs();
});

/**
 * One browser context for the file's pages: Chromium keeps the pages' bundles (served immutable)
 * in its HTTP cache instead of fetching and compiling them again for every page. The pages keep
 * nothing else there but the language, which each page sets before it loads; none signs in but
 * the last test's.
 */
let context: BrowserContext | undefined;

async function openSignIn(size: { width: number; height: number }, lang: 'zh' | 'en'): Promise<Page> {
  context ??= await browser.newContext();
  const page = await context.newPage();
  await page.setViewportSize(size);
  await page.addInitScript((l) => localStorage.setItem('gatepost.lang', l), lang);
  await page.goto(`${web.url}/kiosk/east-1`);
  await page.getByTestId('sign-in').waitFor({ timeout: 15_000 });
  return page;
}

const STAFF_KEYS = ['1', '0', 'Q', 'P', 'Z', 'M', 'enter', 'clear', '⌫'].map((k) => `[data-key="${k}"]`);
const PIN_KEYS = ['1', '3', '7', '9', '0', 'enter', '⌫'].map((k) => `[data-key="${k}"]`);
const SUBMIT = '[data-testid="sign-in-submit"]';

async function expectInside(page: Page, boxes: Record<string, Box>): Promise<void> {
  const vp = page.viewportSize() ?? { width: 0, height: 0 };
  for (const [sel, b] of Object.entries(boxes)) {
    expect(b.x, sel).toBeGreaterThanOrEqual(0);
    expect(b.y + b.h, sel).toBeLessThanOrEqual(vp.height);
    expect(b.x + b.w, sel).toBeLessThanOrEqual(vp.width);
    expect(Math.min(b.w, b.h), sel).toBeGreaterThanOrEqual(60);
  }
}

describe('the sign-in screen', () => {
  for (const size of SIZES) {
    it(`fits ${size.width}×${size.height} with 60 px keys, staff ID and PIN, in Chinese and English`, async () => {
      const seen: Record<string, Record<string, Box>> = {};
      for (const lang of ['zh', 'en'] as const) {
        const page = await openSignIn(size, lang);
        expect(await page.locator('html').getAttribute('lang')).toBeTruthy();
        expect(describeProblems(await auditLayout(page)), `${lang} staff ID`).toBe('');
        const staff = await positionsOf(page, [SUBMIT, ...STAFF_KEYS]);
        await expectInside(page, staff);

        // To the PIN: the keypad and the button are on screen, the button where it was.
        await page.locator('.keyboard [data-key="2"]').click();
        await page.locator('.keyboard [data-key="enter"]').click();
        await page.locator('.keyboard-pin').waitFor();
        expect(describeProblems(await auditLayout(page)), `${lang} PIN`).toBe('');
        const pin = await positionsOf(page, [SUBMIT, ...PIN_KEYS]);
        await expectInside(page, pin);
        expect(pin[SUBMIT]).toEqual(staff[SUBMIT]);

        // A wrong PIN: the message takes its own slot, nothing moves.
        for (const k of '000000') await page.locator(`.keyboard-pin [data-key="${k}"]`).click();
        await page.locator(SUBMIT).click();
        await expect
          .poll(() => page.getByTestId('sign-in-message').textContent(), { timeout: 10_000 })
          .toMatch(lang === 'zh' ? /PIN/ : /wrong PIN/);
        expect(describeProblems(await auditLayout(page)), `${lang} message`).toBe('');
        expect(await positionsOf(page, [SUBMIT, ...PIN_KEYS])).toEqual(pin);
        seen[lang] = { ...staff, ...pin };
        await page.close();
      }
      // The same places in both languages.
      expect(seen.en).toEqual(seen.zh);
    }, 90_000);
  }

  it('signs in by touch at 1024×600 without scrolling', async () => {
    const page = await openSignIn({ width: 1024, height: 600 }, 'zh');
    const form = page.getByTestId('sign-in');
    for (const ch of '200101') await form.locator(`.keyboard [data-key="${ch}"]`).click();
    await form.locator('.keyboard [data-key="enter"]').click();
    for (const ch of '246810') await form.locator(`.keyboard-pin [data-key="${ch}"]`).click();
    expect(await page.evaluate(() => [scrollX, scrollY, document.scrollingElement?.scrollTop])).toEqual([
      0, 0, 0,
    ]);
    await form.getByTestId('sign-in-submit').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 10_000 })
      .toContain('pill-ok');
    await page.close();
  });
});
