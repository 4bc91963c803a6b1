import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOnly } from '../../gateway/web/build.ts';
import { fitRows } from '../../gateway/web/client/shared/keyboard.ts';
import { closeBrowser, launchChromium } from '../support/chromium.ts';
import { auditLayout, type Box, describeProblems, positionsOf } from './support/layout-audit.ts';

/**
 * The parts both pages share, bundled from their sources as the pages bundle them and put on a
 * bare page in real Chromium: the status bar keeps its height and its buttons' places when the
 * link goes stale or the gateway is lost (the banner takes space the bar already has) and in
 * either language; the on-screen keyboard with `maxColumns` fits a side panel with 60 px keys.
 */
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

// The fixture: the status bar over a page of big buttons, and a 400 px panel with a plate keyboard.
const FIXTURE = `
import './gateway/web/client/shared/base.css';
import { openDialog } from './gateway/web/client/shared/dialog.ts';
import { h } from './gateway/web/client/shared/dom.ts';
import { setLanguage } from './gateway/web/client/shared/i18n.ts';
import { keyboard } from './gateway/web/client/shared/keyboard.ts';
import { StatusBar } from './gateway/web/client/shared/status-bar.ts';

const bar = new StatusBar({ title: () => '东出口 1 号车道 East exit lane 1', onSignOut: () => {} });
const buttons = ['open', 'close', 'register', 'override', 'mode', 'ack'].map((id) =>
  h('button', { type: 'button', class: 'btn', dataset: { testid: 'main-' + id } }, id),
);
const main = h('main', { class: 'page-main fixture-main' }, buttons);
document.body.replaceChildren(bar.el, main);
const style = document.createElement('style');
style.textContent = '.fixture-main { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; padding: 16px; align-content: start; }';
document.head.appendChild(style);

window.fixture = {
  bar,
  setLanguage,
  dialog(lines) {
    const body = h('div', { class: 'form' }, Array.from({ length: lines }, (_, i) => h('p', null, 'line ' + (i + 1))));
    openDialog({ title: 'A tall dialog', body, actions: [
      { label: 'Cancel', onClick: () => true },
      { label: 'Confirm', kind: 'primary', onClick: () => true },
    ] });
  },
  panel(maxColumns) {
    const input = h('input', { class: 'field-input', style: 'width: 100%', dataset: { testid: 'plate' } });
    const kb = keyboard('plate', input, maxColumns ? { maxColumns } : {});
    const panel = h('aside', { dataset: { testid: 'panel' }, style: 'position: fixed; right: 0; top: 80px; width: 400px; padding: 5px; background: #151c25' }, input, kb);
    main.replaceChildren(panel);
  },
};
`;

let browser: Browser;
let bundle: { js: string; css: string };

beforeAll(async () => {
  const built = await esbuild.build({
    stdin: { contents: FIXTURE, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'fixture.ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['es2022', 'chrome100'],
    outdir: 'fixture-out',
    write: false,
    logLevel: 'silent',
    plugins: [browserOnly],
  });
  const text = (ext: string) => built.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  bundle = { js: text('.js'), css: text('.css') };
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
});

async function open(size: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport: size });
  await page.setContent('<!doctype html><html lang="zh-CN"><head></head><body></body></html>');
  await page.addStyleTag({ content: bundle.css });
  await page.addScriptTag({ content: bundle.js, type: 'module' });
  await page.waitForFunction(() => 'fixture' in window);
  return page;
}

const bar = (page: Page, call: string) => page.evaluate(`window.fixture.bar.${call}`);
const MAIN = ['open', 'close', 'register', 'override', 'mode', 'ack'].map(
  (id) => `[data-testid="main-${id}"]`,
);
const BAR = ['[data-testid="sign-out"]', '[data-testid="lang"]', '.status-bar'];

describe('the status bar', () => {
  for (const size of SIZES) {
    it(`keeps every button in place at ${size.width}×${size.height} when the link or the gateway is lost, in both languages`, async () => {
      const page = await open(size);
      await bar(page, `setUser('200101')`);
      await bar(page, `setLink({ state: 'live', since: Date.now(), attempts: 0, denied: new Set() })`);
      await bar(page, `setGateway({ state: 'online', at: Date.now(), reason: 'started' })`);
      expect(describeProblems(await auditLayout(page))).toBe('');
      const before = await positionsOf(page, [...MAIN, ...BAR]);
      expect(await page.getByTestId('stale-banner').isVisible()).toBe(false);

      const check = async (what: string) => {
        expect(describeProblems(await auditLayout(page)), what).toBe('');
        expect(await positionsOf(page, [...MAIN, ...BAR]), what).toEqual(before);
      };
      // The link drops: the banner comes, loud, inside the bar.
      await bar(
        page,
        `setLink({ state: 'stale', since: Date.now() - 12000, attempts: 3, denied: new Set() })`,
      );
      const banner = page.getByTestId('stale-banner');
      expect(await banner.isVisible()).toBe(true);
      expect(await banner.textContent()).toContain('12 秒前');
      expect(await banner.getAttribute('data-reason')).toBe('link');
      expect(await page.evaluate(() => document.body.classList.contains('is-stale'))).toBe(true);
      await check('link stale');
      const b = (await positionsOf(page, ['[data-testid="stale-banner"]']))[
        '[data-testid="stale-banner"]'
      ] as Box;
      const barBox = before['.status-bar'] as Box;
      expect(b.y).toBeGreaterThanOrEqual(barBox.y);
      expect(b.y + b.h).toBeLessThanOrEqual(barBox.y + barBox.h);
      // Back, then the gateway is lost while the link is live.
      await bar(page, `setLink({ state: 'live', since: Date.now(), attempts: 0, denied: new Set() })`);
      expect(await banner.isVisible()).toBe(false);
      await check('live again');
      await bar(page, `setGateway({ state: 'offline', at: Date.now(), reason: 'lost' })`);
      expect(await banner.isVisible()).toBe(true);
      expect(await banner.getAttribute('data-reason')).toBe('gateway-lost');
      expect(await banner.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(225, 29, 72)');
      await check('gateway lost');
      // In English, the same places (the banner's text is longer).
      await page.getByTestId('lang').click();
      await expect.poll(() => banner.textContent()).toContain('gateway');
      await check('English');
      await page.close();
    });
  }
});

describe('the dialog', () => {
  it('keeps its title and buttons on a 1024×600 screen when its body is too tall, the body scrolling', async () => {
    const page = await open({ width: 1024, height: 600 });
    await page.evaluate('window.fixture.dialog(40)');
    const buttons = page.locator('.dialog-actions .btn');
    expect(await buttons.count()).toBe(2);
    expect(describeProblems(await auditLayout(page))).toBe('');
    for (const b of await buttons.all()) {
      const box = await b.boundingBox();
      expect(box && box.y + box.height).toBeLessThanOrEqual(600);
    }
    const body = await page.locator('.dialog-body').evaluate((el) => [el.scrollHeight, el.clientHeight]);
    expect(body[0]).toBeGreaterThan(body[1] ?? 0);
    await page.close();
  });
});

describe('the on-screen keyboard', () => {
  it('cuts the character keys into rows of at most maxColumns, as even as can be, and keeps the commands', () => {
    const rows = [
      ['1', '2', '3', '4', '5', '6', '7'],
      ['A', 'B', 'C'],
      ['back', 'enter'],
    ];
    expect(fitRows(rows, undefined)).toBe(rows);
    expect(fitRows(rows, 7)).toBe(rows);
    expect(fitRows(rows, 4)).toEqual([
      ['1', '2', '3', '4'],
      ['5', '6', '7'],
      ['A', 'B', 'C'],
      ['back', 'enter'],
    ]);
    expect(fitRows(rows, 3).flat()).toEqual(rows.flat());
    expect(fitRows(rows, 3).every((r) => r.length <= 3)).toBe(true);
  });

  it('fits a 400 px side panel with 60 px keys when given maxColumns, and does not without', async () => {
    const page = await open({ width: 1280, height: 800 });
    await page.evaluate('window.fixture.panel(0)');
    const cramped = await auditLayout(page);
    expect(cramped.length).toBeGreaterThan(0);

    await page.evaluate('window.fixture.panel(6)');
    const panel = (await positionsOf(page, ['[data-testid="panel"]']))['[data-testid="panel"]'] as Box;
    expect(describeProblems(await auditLayout(page))).toBe('');
    const keys = await page.locator('[data-testid="panel"] .key').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, w: r.width, h: r.height };
      }),
    );
    expect(keys.length).toBe(31 + 4); // the provinces, then switch, back, clear, enter
    for (const k of keys) {
      expect(Math.min(k.w, k.h)).toBeGreaterThanOrEqual(60);
      expect(k.x).toBeGreaterThanOrEqual(panel.x);
      expect(k.x + k.w).toBeLessThanOrEqual(panel.x + panel.w);
    }
    // Letters and digits after the first character: the same panel, still fits.
    await page.locator('[data-testid="panel"] [data-key="京"]').click();
    await page.locator('[data-testid="panel"] [data-key="A"]').waitFor();
    expect(await page.getByTestId('plate').inputValue()).toBe('京');
    expect(describeProblems(await auditLayout(page))).toBe('');
    await page.close();
  });
});
