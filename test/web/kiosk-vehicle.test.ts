import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIOSK_PLATE_COLOURS } from '../../gateway/web/client/kiosk/plate-colour-keys.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk, records, setLang, settled } from './kiosk-helpers.ts';
import { auditLayout, describeProblems } from './support/layout-audit.ts';

/**
 * The kiosk at 1024x600 in real Chromium against the real gateway: a hand registration takes the
 * plate's colour with big keys and the trailer's plate with the plate keyboard, both by touch; the
 * decision record carries them and the truck panel shows them; a crew of two shows a line each.
 */
let site: WebSite;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      timeScale: 4,
      configure: (raw) => {
        raw.rules = { ...raw.rules, feverConfirm: 'immediate' };
      },
      users: [{ name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' }],
    }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

const type = async (field: string, keys: string[]) => {
  await page.getByTestId(field).click();
  for (const k of keys) await page.locator(`[data-testid="reg-keyboard"] [data-key="${k}"]`).click();
};

describe('kiosk: the vehicle and the crew', () => {
  it('takes the plate colour and the trailer plate by touch, within 1024x600, with keys big enough for gloves', async () => {
    page = await openKiosk(browser, site, {
      lane: 'east-1',
      staff: '200101',
      pin: '246810',
      width: 1024,
      height: 600,
    });
    for (const lang of ['zh', 'en'] as const) {
      await setLang(page, lang);
      await page.getByTestId('action-register').click();
      await page.getByTestId('reg-colour').click();
      await settled(page);
      const problems = await auditLayout(page);
      expect(problems, `${lang}:\n${describeProblems(problems)}`).toEqual([]);
      const keys = await page.locator('[data-testid="reg-keyboard"] .key-colour').evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return { key: (el as HTMLElement).dataset.key, h: r.height, w: r.width, bottom: r.bottom };
        }),
      );
      expect(keys.map((k) => k.key)).toEqual([...KIOSK_PLATE_COLOURS, 'none', 'enter']);
      for (const k of keys) {
        expect(k.h, k.key).toBeGreaterThanOrEqual(56);
        expect(k.w, k.key).toBeGreaterThanOrEqual(80);
        expect(k.bottom, k.key).toBeLessThanOrEqual(600);
      }
      await page.locator('.dialog .dialog-actions .btn').first().click();
      await page.locator('.dialog-overlay').waitFor({ state: 'detached' });
    }
    await setLang(page, 'zh');

    await page.getByTestId('action-register').click();
    await type('reg-plate', ['冀', 'B', '7', '7', '1', '2', '3']);
    await type('reg-colour', ['yellow']);
    expect(await page.getByTestId('reg-colour').inputValue()).toBe('黄色');
    await type('reg-trailer', ['冀', 'B', '1', '2', '3', '4', '挂']);
    await type('reg-name', ['W', 'A', 'N', 'G']);
    await type('reg-id', ['1', '3', '0', '1', '0', '5', 'X']);
    await page.locator('.dialog .dialog-actions .btn-primary').click();
    await page.locator('.dialog-overlay').waitFor({ state: 'detached', timeout: 10_000 });
    await expect
      .poll(() => records(site, 'east-1', 'decision').at(-1)?.data, { timeout: 10_000 })
      .toMatchObject({ plate: '冀B77123', plateColour: 'yellow', trailerPlate: '冀B1234挂' });
    await expect
      .poll(() => page.getByTestId('vehicle').textContent(), { timeout: 10_000 })
      .toBe('黄色 · 挂车 冀B1234挂');
  }, 120_000);

  it('shows a line for each person of a crew, with their own outcome', async () => {
    const sim = site.site.lane('east-1');
    // The registered truck drives on and off the loop: its transit ends.
    sim.barrier.putVehicle();
    await new Promise((r) => setTimeout(r, 500));
    sim.barrier.removeVehicle();
    await expect
      .poll(() => site.gateway.lanes.get('east-1')?.state().transit, { timeout: 10_000 })
      .toBeUndefined();
    const now = Math.floor(Date.now() / 1000);
    const green = await site.sign({
      plate: '晋D30001',
      sub: 'drv-31',
      color: 'green',
      test: { kind: 'antigen', result: 'negative', at: now - 3600 },
    });
    const red = await site.sign({ plate: '晋D30001', sub: 'crw-32', color: 'red' });
    sim.barrier.putVehicle();
    await sim.scanner.present(green);
    await sim.scanner.present(red);
    await expect.poll(() => page.locator('[data-testid="crew"] li').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('person-2').textContent()).toContain('副驾');
    // Each person steps up to the thermometer until it has measured them, then away until the
    // gateway has polled it empty: one presence episode, one measurement each.
    const thermometer = sim.thermometer;
    if (!thermometer) throw new Error('east-1 has a thermometer');
    for (const c of [36.7, 36.5]) {
      const measured = records(site, 'east-1', 'measurement').length;
      thermometer.presentTarget(c);
      await expect
        .poll(() => records(site, 'east-1', 'measurement').length, { timeout: 10_000 })
        .toBe(measured + 1);
      const replies = thermometer.slave.stats.replies;
      thermometer.removeTarget();
      // The second reply since: the gateway has read the first, with no target, and ended the episode.
      await expect
        .poll(() => thermometer.slave.stats.replies, { timeout: 10_000 })
        .toBeGreaterThan(replies + 1);
    }
    await expect
      .poll(() => page.getByTestId('person-2').getAttribute('data-outcome'), { timeout: 15_000 })
      .toBe('ISOLATE');
    expect(await page.getByTestId('person-1').getAttribute('data-outcome')).toBe('PASS');
    expect(await page.getByTestId('person-1').textContent()).toContain('36.5');
    const problems = await auditLayout(page, { ignore: ['.toasts', '.toast'] });
    expect(problems, describeProblems(problems)).toEqual([]);
  }, 120_000);
});
