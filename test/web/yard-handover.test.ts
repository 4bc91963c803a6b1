import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EN } from '../../gateway/web/client/shared/strings-en.ts';
import { ZH } from '../../gateway/web/client/shared/strings-zh.ts';
import { ARM_MS } from '../../gateway/web/client/yard/confirm-dialog.ts';
import { removeTempDirs } from '../support/tmp.ts';
import {
  closeBrowser,
  launchChromium,
  saveScreenshot,
  startWebSite,
  type WebSite,
} from '../support/web-site.ts';
import { auditLayout, describeProblems, positionsOf } from './support/layout-audit.ts';
import { COORDINATOR, openYard, parkTruck, records, staff, tapBay } from './support/yard-page.ts';

/**
 * A point-to-point hand-over walked through the yard's bay panel in real Chromium against the
 * real gateway, at a 10-inch 1024×600 screen: the four steps as buttons, only the next legal one
 * enabled; open with the receiving plate and its colour, the escort, two seals and the cargo typed
 * on the on-screen keys; the receiving truck's arrival; a transfer whose seals broken differ from
 * those recorded (the caption turns loud, the yard alerts); close after its confirmation. Each
 * step is checked on the gateway's records. An overdue hand-over is loud; a step someone else took
 * first is refused with the reason in words; an abort takes its reason. Every dialog passes the
 * layout audit and the buttons keep their places through the steps.
 */
let site: WebSite;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      users: [{ name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin }],
      // Overdue after 3 s: the walk below outlasts it, so the caption turns loud along the way.
      configure: (raw) => {
        raw.yard.handoverOverdueMinutes = 0.05;
      },
    }),
    launchChromium(),
  ]);
  await parkTruck(site, 'H-0001', '冀A55555');
  await parkTruck(site, 'H-0002', '冀A66666');
  page = await openYard(browser, site, { width: 1024, height: 600 });
}, 180_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

const STEPS = ['open', 'receiving-arrived', 'transferred', 'close'] as const;
const forBay = (kind: string, bay: string) => records(site, kind).filter((r) => r.payload.data.bay === bay);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Each step button's status (done, next, later) and whether it can be tapped. */
const stepStates = () =>
  page.evaluate(
    (steps) =>
      steps.map((s) => {
        const b = document.querySelector<HTMLButtonElement>(`[data-testid="handover-${s}"]`);
        return `${s}:${b?.dataset.status}:${b?.disabled ? 'off' : 'on'}`;
      }),
    [...STEPS],
  );
const expectNext = async (next: (typeof STEPS)[number] | undefined) => {
  const at = next ? STEPS.indexOf(next) : STEPS.length;
  await expect
    .poll(stepStates, { timeout: 10_000 })
    .toEqual(STEPS.map((s, i) => (i < at ? `${s}:done:off` : i === at ? `${s}:next:on` : `${s}:later:off`)));
};
const clean = async (what: string) => {
  const problems = await auditLayout(page);
  expect(problems, `${what}:\n${describeProblems(problems)}`).toEqual([]);
};
/** Taps keys of the dialog's on-screen keyboard (the field being filled). */
const keys = async (...ks: string[]) => {
  for (const k of ks) await page.locator(`[data-testid="handover-keys"] [data-key="${k}"]`).first().click();
};
const caption = () => page.getByTestId('handover-caption');
const FIXED = ['[data-testid="bay-close"]', ...STEPS.map((s) => `[data-testid="handover-${s}"]`)];

describe('hand-over in the bay panel', () => {
  it('walks a hand-over through its four steps, each button enabled only when it is next', async () => {
    await tapBay(page, 'H-0001');
    await expect.poll(() => caption().textContent()).toBe(ZH['handover.none']);
    await expectNext('open');
    await clean('bay chosen, no hand-over');
    const where = await positionsOf(page, FIXED);

    // Open: every field by touch.
    await page.getByTestId('handover-open').click();
    await clean('open dialog');
    await page.getByTestId('ho-plate').click();
    await keys('晋', 'B', '1', '2', '3', '4', '5');
    await page.getByTestId('ho-colour').click();
    await keys('yellow');
    await page.getByTestId('ho-escort-id').click();
    await keys('E', '1', '0', '0', '1');
    await page.getByTestId('ho-escort-name').click();
    await keys('L', 'I', 'W', 'E', 'I');
    await page.getByTestId('ho-escort-phone').click();
    await keys(...'13800138000'.split(''));
    await page.getByTestId('ho-seals').click();
    await keys('S', 'L', '1', '0', '0', '1', 'enter', 'S', 'L', '1', '0', '0', '2', 'enter');
    expect(await page.locator('[data-testid="ho-seals-chips"] .seal-chip').count()).toBe(2);
    await clean('open dialog, seals');
    await page.getByTestId('ho-cargo').click();
    await keys('cold');
    await clean('open dialog, cargo');
    await page.getByTestId('handover-submit').click();
    await expect.poll(() => forBay('handover-opened', 'H-0001').length, { timeout: 10_000 }).toBe(1);
    expect(forBay('handover-opened', 'H-0001')[0]?.payload.data).toMatchObject({
      receivingPlate: '晋B12345',
      receivingPlateColour: 'yellow',
      escort: { id: 'E1001', name: 'LIWEI', phone: '13800138000' },
      sealsBefore: ['SL1001', 'SL1002'],
      cargo: '冷链食品',
      by: staff,
    });
    await expectNext('receiving-arrived');
    expect(await page.getByTestId('handover-receiving').textContent()).toBe('晋B12345');
    expect(await positionsOf(page, FIXED)).toEqual(where);

    // The receiving truck and its crew are here: one tap.
    await page.getByTestId('handover-receiving-arrived').click();
    await expect
      .poll(() => forBay('handover-receiving-arrived', 'H-0001').length, { timeout: 10_000 })
      .toBe(1);
    await expectNext('transferred');
    await expect.poll(() => page.locator('[data-testid="handover-history"] li').count()).toBe(2);
    await clean('mid hand-over');

    // Overdue (3 s here): the caption says so, loud, and the yard records it.
    await expect.poll(() => caption().getAttribute('data-loud'), { timeout: 15_000 }).toBe('overdue');
    await expect.poll(() => caption().textContent(), { timeout: 5_000 }).toMatch(/^交接超时 \+\d+秒！/);
    await expect.poll(() => forBay('handover-overdue', 'H-0001').length, { timeout: 10_000 }).toBe(1);
    const red = await caption().evaluate((el) => getComputedStyle(el).animationName);
    expect(red).toBe('flash-handover');
    // The picture of docs/web.md: the bay panel mid hand-over, overdue.
    await saveScreenshot(page, site.dir, 'yard-handover.png');

    // The transfer: one seal broken is not one recorded at opening.
    await page.getByTestId('handover-transferred').click();
    await clean('transfer dialog');
    await page.getByTestId('ho-seals-broken').click();
    await keys('S', 'L', '1', '0', '0', '1', 'enter', 'S', 'L', '1', '0', '0', '3', 'enter');
    await page.getByTestId('ho-seals-after').click();
    await keys('N', 'E', 'W', '7', '7');
    await page.getByTestId('handover-submit').click();
    await expect.poll(() => forBay('handover-transferred', 'H-0001').length, { timeout: 10_000 }).toBe(1);
    expect(forBay('handover-transferred', 'H-0001')[0]?.payload.data).toMatchObject({
      sealsBroken: ['SL1001', 'SL1003'],
      sealsAfter: ['NEW77'],
      sealMismatch: true,
    });
    await expect
      .poll(() => records(site, 'alert').filter((r) => r.payload.data.kind === 'seal-mismatch').length)
      .toBe(1);
    await expect.poll(() => caption().getAttribute('data-loud')).toBe('seal-mismatch');
    expect(await caption().textContent()).toBe(ZH['handover.sealMismatch']);
    await expectNext('close');

    // Close: confirmed with the plate large, the escort named.
    await page.getByTestId('handover-close').click();
    expect(await page.getByTestId('confirm-plate').textContent()).toBe('冀A55555');
    expect(await page.getByTestId('confirm-what').textContent()).toContain('LIWEI');
    await clean('close confirmation');
    await settle(ARM_MS);
    await page.getByTestId('confirm-yes').click();
    await expect.poll(() => forBay('handover-closed', 'H-0001').length, { timeout: 10_000 }).toBe(1);
    await expectNext(undefined);
    expect(await page.getByTestId('bay-handover-abort').count()).toBe(0);
    expect(await positionsOf(page, FIXED)).toEqual(where);
    await expect.poll(() => page.locator('[data-testid="handover-history"] li').count()).toBe(4);

    // In English too, the steps and their history in English words.
    await page.getByTestId('lang').click();
    await expect
      .poll(() => page.getByTestId('handover-close').textContent())
      .toBe(`✓${EN['handoverStep.close']}`);
    await clean('closed, in English');
    expect(await positionsOf(page, FIXED)).toEqual(where);
    await page.getByTestId('lang').click();
  }, 120_000);

  it('words a step someone took first, and aborts with a reason', async () => {
    await tapBay(page, 'H-0002');
    await expectNext('open');
    await page.getByTestId('handover-open').click();
    await page.getByTestId('ho-plate').click();
    await keys('晋', 'C', '7', '7', '7', '7', '7');
    for (const [field, text] of [
      ['ho-escort-id', 'E2'],
      ['ho-escort-name', 'WANG'],
    ] as const) {
      await page.getByTestId(field).click();
      await keys(...text.split(''));
    }
    await page.getByTestId('ho-escort-phone').click();
    await keys(...'13900000000'.split(''));
    await page.getByTestId('ho-seals').click();
    await keys('A', '1');
    await page.getByTestId('ho-cargo').click();
    await keys('daily');
    // Meanwhile another coordinator opens one in this bay.
    const other = { kind: 'staff' as const, id: '300002' };
    const first = await site.gateway.yard.handover(
      {
        action: 'handover-open',
        data: {
          bay: 'H-0002',
          receivingPlate: '晋C88888',
          escort: { id: 'E3', name: 'ZHAO', phone: '13700000000' },
          sealsBefore: ['B1'],
          cargo: 'parcels',
        },
      },
      other,
    );
    expect(first.ok).toBe(true);
    await page.getByTestId('handover-submit').click();
    // Refused with the reason in the page's words: a hand-over is already open.
    await expect
      .poll(() => page.locator('.toast-error').allTextContents(), { timeout: 10_000 })
      .toContainEqual(expect.stringContaining(ZH['handoverRefusal.handover-open']));
    expect(forBay('handover-opened', 'H-0002')).toHaveLength(1);
    await page.getByTestId('handover-cancel').click();
    await expectNext('receiving-arrived');

    // Abort: a reason from the presets, confirmed.
    await page.getByTestId('bay-handover-abort').click();
    await clean('abort confirmation');
    await page.getByTestId('abort-noShow').click();
    await settle(ARM_MS);
    await page.getByTestId('confirm-yes').click();
    await expect.poll(() => forBay('handover-aborted', 'H-0002').length, { timeout: 10_000 }).toBe(1);
    expect(forBay('handover-aborted', 'H-0002')[0]?.payload.data).toMatchObject({
      reason: ZH['handover.abort.r.noShow'],
      by: staff,
    });
    await expect.poll(() => caption().textContent()).toBe('交接：已中止');
    // After an abort a new hand-over may be opened.
    await expectNext('open');
  }, 90_000);
});
