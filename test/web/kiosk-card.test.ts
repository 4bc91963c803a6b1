import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EN } from '../../gateway/web/client/shared/strings-en.ts';
import { ZH } from '../../gateway/web/client/shared/strings-zh.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk, setLang, settled, truck } from './kiosk-helpers.ts';
import { auditLayout, describeProblems, positionsOf } from './support/layout-audit.ts';
import { COORDINATOR, openYard, parkTruck, tapBay } from './support/yard-page.ts';

/**
 * Printed cards from the pages in real Chromium against the real gateway, with the simulated
 * ESC/POS printer of the site's `printers` section: at the kiosk (1024×600) the card for the
 * lane's truck is issued and printed; out of paper the health panel says so loud and the kiosk
 * sounds a device alarm, a card is issued but not printed, the page says why in words with a big
 * Reprint, and the reprint after the paper is back prints it; a lost card is revoked. At the yard,
 * a card for a bay's truck, and the printer in the yard's status bar. Every dialog passes the layout
 * audit; the kiosk's main buttons do not move.
 */
const PRINTER = 'kiosk-east';
const KIOSK = { staff: '200101', pin: '246810' };
let site: WebSite;
let browser: Browser;
let page: Page;
const cards: { topic: string; payload: any }[] = [];

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({
      users: [
        { name: KIOSK.staff, role: 'kiosk', lane: 'east-1', pin: KIOSK.pin },
        { name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin },
      ],
      configure: (raw) => {
        raw.printers = [
          {
            id: PRINTER,
            serves: { lanes: ['east-1'], yard: true },
            transport: 'serial',
            path: '/dev/ttyPRN-web',
            baudRate: 115200,
            statusPollMs: 500,
          },
        ];
      },
    }),
    launchChromium(),
  ]);
  site.client.on('message', (topic, payload) => {
    if (topic.startsWith('gatepost/demo/cards/') && payload.length > 0)
      cards.push({ topic, payload: JSON.parse(payload.toString()) });
  });
  await site.client.subscribeAsync('gatepost/demo/cards/#', { qos: 1 });
}, 180_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

const cardRecords = (type: string) => cards.filter((c) => c.topic === `gatepost/demo/cards/${type}`);
const printerState = () => page.getByTestId(`printer-${PRINTER}`).getAttribute('data-condition');
/** The outcome shown (printed, not-printed, refused), with the words of a refusal to tell why. */
const outcome = async () => {
  const o = await page.getByTestId('card-outcome').getAttribute('data-outcome');
  return o === 'refused' ? `refused: ${await page.getByTestId('card-outcome').textContent()}` : o;
};
const attention = () => page.evaluate('globalThis.__gatepost.kiosk.attention()') as Promise<string[]>;
const MAIN = ['register', 'override', 'open', 'close', 'mode', 'card'].map(
  (a) => `[data-testid="action-${a}"]`,
);
const clean = async (what: string) => {
  await settled(page);
  const problems = await auditLayout(page);
  expect(problems, `${what}:\n${describeProblems(problems)}`).toEqual([]);
};

describe('cards at the kiosk', () => {
  it("issues a card for the lane's truck, printed; out of paper it is issued, not printed, and reprinted", async () => {
    page = await openKiosk(browser, site, { lane: 'east-1', ...KIOSK, width: 1024, height: 600 });
    await expect.poll(printerState, { timeout: 20_000 }).toBe('online');
    expect(await page.getByTestId('action-card').isDisabled()).toBe(true);
    const where = await positionsOf(page, MAIN);

    await truck(
      site,
      'east-1',
      await site.sign({ plate: '晋D40001', sub: 'drv-40001', color: 'green' }),
      36.5,
    );
    await expect.poll(() => page.getByTestId('plate').textContent(), { timeout: 15_000 }).toBe('晋D40001');
    // Enabled once the truck is decided (the gateway issues none for a truck still being checked).
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 15_000 })
      .toBe('YARD');
    await expect.poll(() => page.getByTestId('action-card').isDisabled()).toBe(false);
    expect(await positionsOf(page, MAIN)).toEqual(where);
    await clean('a truck, the card button');

    // Issue: asked first with the plate large, then printed.
    const firstReceipt = site.site.printer(PRINTER).nextReceipt(30_000);
    await page.getByTestId('action-card').click();
    expect(await page.getByTestId('card-plate').textContent()).toBe('晋D40001');
    await clean('issue dialog');
    await page.getByTestId('card-issue-yes').click();
    await expect.poll(outcome, { timeout: 20_000 }).toBe('printed');
    expect(await page.getByTestId('card-outcome').textContent()).toBe(ZH['card.printed']);
    const issued = cardRecords('card-issued')[0]?.payload.data;
    expect(issued).toMatchObject({ plate: '晋D40001', lane: 'east-1', by: { staffId: KIOSK.staff } });
    expect(await page.getByTestId('card-id').textContent()).toBe(issued.cardId);
    expect((await firstReceipt).lines.join('\n')).toContain(issued.cardId);
    await clean('printed');
    await page.getByTestId('card-done').click();

    // Out of paper: the health panel and an alarm say so.
    site.site.printer(PRINTER).setPaperOut(true);
    await expect.poll(printerState, { timeout: 20_000 }).toBe('paper-out');
    expect(await page.getByTestId(`printer-${PRINTER}`).textContent()).toBe(ZH['printerHealth.paper-out']);
    expect(await page.getByTestId(`printer-${PRINTER}`).getAttribute('class')).toContain('health-loud');
    await expect.poll(attention, { timeout: 5_000 }).toContain('alarm:printer');
    expect(await page.getByTestId('alarm-banner').textContent()).toContain(ZH['alarm.printer']);
    expect(await positionsOf(page, MAIN)).toEqual(where);

    // A card issued without paper: issued, not printed, the problem in words, Reprint big.
    await page.getByTestId('action-card').click();
    await page.getByTestId('card-issue-yes').click();
    await expect.poll(outcome, { timeout: 20_000 }).toBe('not-printed');
    const words = await page.getByTestId('card-outcome').textContent();
    expect(words).toContain(ZH['printer.problem.paper-out']);
    expect(words).toContain('重新打印');
    expect(cardRecords('card-print-failed').at(-1)?.payload.data.reason).toBe('paper-out');
    const second = cardRecords('card-issued').at(-1)?.payload.data.cardId;
    const reprint = await page.getByTestId('card-reprint').boundingBox();
    const done = await page.getByTestId('card-done').boundingBox();
    expect(reprint?.height).toBeGreaterThanOrEqual(80);
    expect((reprint?.width ?? 0) > (done?.width ?? 0)).toBe(true);
    await clean('not printed');
    // In English: a new card, the same words in English.
    await page.getByTestId('card-done').click();
    await setLang(page, 'en');
    await page.getByTestId('action-card').click();
    await page.getByTestId('card-issue-yes').click();
    await expect.poll(outcome, { timeout: 20_000 }).toBe('not-printed');
    expect(await page.getByTestId('card-outcome').textContent()).toBe(
      EN['card.notPrinted'].replace('{why}', EN['printer.problem.paper-out']),
    );
    await clean('not printed, in English');

    // Paper back: the alarm ends, the reprint prints the card.
    site.site.printer(PRINTER).loadPaper();
    await expect.poll(printerState, { timeout: 20_000 }).toBe('online');
    await expect.poll(attention, { timeout: 5_000 }).not.toContain('alarm:printer');
    const again = site.site.printer(PRINTER).nextReceipt(30_000);
    await page.getByTestId('card-reprint').click();
    await expect.poll(outcome, { timeout: 20_000 }).toBe('printed');
    expect(await page.getByTestId('card-outcome').textContent()).toBe(EN['card.printed']);
    const third = cardRecords('card-issued').at(-1)?.payload.data.cardId;
    expect((await again).lines.join('\n')).toContain(third);
    expect(cardRecords('card-printed').at(-1)?.payload.data).toMatchObject({ cardId: third, reprint: true });

    // Lost: revoked after its confirmation, with a reason.
    await page.getByTestId('card-revoke').click();
    await clean('revoke');
    await page.getByTestId('revoke-lost').click();
    await page.getByTestId('revoke-yes').click();
    // One valid card per truck: each new card superseded the one before it (card-printing: the
    // first and the second), then staff revoked the third.
    const revocations = () => cardRecords('card-revoked').map((c) => c.payload.data);
    await expect.poll(() => revocations().length, { timeout: 10_000 }).toBe(3);
    expect(revocations()[0]).toMatchObject({ cardId: issued.cardId, reason: `superseded by ${second}` });
    expect(revocations()[1]).toMatchObject({ cardId: second, reason: `superseded by ${third}` });
    expect(revocations()[2]).toMatchObject({
      cardId: third,
      reason: EN['card.revoke.r.lost'],
      by: { staffId: KIOSK.staff },
    });
    expect(second).not.toBe(third);
    await setLang(page, 'zh');
    expect(await positionsOf(page, MAIN)).toEqual(where);
  }, 200_000);
});

describe('cards at the yard', () => {
  it("issues a card for a bay's truck and shows the printer in the status bar", async () => {
    await parkTruck(site, 'P-0031', '冀C31031');
    const yard = await openYard(browser, site, { width: 1024, height: 600 });
    const pill = yard.getByTestId('printer-pill');
    await expect
      .poll(() => pill.textContent(), { timeout: 10_000 })
      .toBe(`打印机 ${ZH['printerHealth.online']}`);
    await tapBay(yard, 'P-0031');
    await yard.getByTestId('bay-card').click();
    expect(await yard.getByTestId('card-plate').textContent()).toBe('冀C31031');
    await yard.getByTestId('card-issue-yes').click();
    await expect
      .poll(() => yard.getByTestId('card-outcome').getAttribute('data-outcome'), { timeout: 20_000 })
      .toBe('printed');
    expect(cardRecords('card-issued').at(-1)?.payload.data).toMatchObject({
      plate: '冀C31031',
      bay: 'P-0031',
      by: { staffId: COORDINATOR.id },
    });
    const problems = await auditLayout(yard);
    expect(problems, describeProblems(problems)).toEqual([]);
    await yard.getByTestId('card-done').click();

    // Offline: loud (blinking) in the status bar, which keeps its layout.
    site.site.printer(PRINTER).setOffline(true);
    await expect
      .poll(() => pill.textContent(), { timeout: 30_000 })
      .toBe(`打印机 ${ZH['printerHealth.offline']}`);
    expect(await pill.getAttribute('class')).toContain('pill-bad');
    expect(await pill.getAttribute('title')).toContain(PRINTER);
    for (const lang of ['en', 'zh']) {
      await yard.getByTestId('lang').click();
      const audit = await auditLayout(yard);
      expect(audit, `${lang}: ${describeProblems(audit)}`).toEqual([]);
      // Every pill of the bar whole.
      const cut = await yard
        .locator('.bar-pills .pill:not([hidden])')
        .evaluateAll((ps) => ps.filter((p) => p.scrollWidth > p.clientWidth).map((p) => p.textContent));
      expect(cut, lang).toEqual([]);
    }
    site.site.printer(PRINTER).setOffline(false);
    await yard.close();
  }, 90_000);
});
