import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/tmp.ts';
import {
  closeBrowser,
  launchChromium,
  signInByTouch,
  startWebSite,
  type WebSite,
} from '../support/web-site.ts';
import { auditLayout, describeProblems } from './support/layout-audit.ts';
import { parkTruck, tapBay } from './support/yard-page.ts';

/**
 * The README's pictures: the lane kiosk and the yard map at the kiosk's 1024×600 and 1280×800 and
 * a 1920×1080 monitor, signed in by touch against the real gateway with simulated trucks (four
 * through the lanes, two dozen parked in the yard, half waiting for a result). Every
 * run checks that each page renders whole at each size (signed in, live, its content drawn, a
 * PNG of the viewport's size) and that its layout passes the audit, and writes the pictures to
 * docs/screenshots/<page>-<w>x<h>.png. It runs only when asked (GATEPOST_SCREENSHOTS=1), to keep
 * the suite short: the same sizes, states and audits run in every suite in kiosk-layout,
 * yard-layout and sign-in-layout.
 *
 *   GATEPOST_SCREENSHOTS=1 npx vitest run test/web/screenshots.test.ts
 */
const SIZES = [
  { width: 1024, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
const KIOSK = { id: '200101', pin: '246810', lane: 'east-1' };
const COORDINATOR = { id: '300001', pin: '112233' };
const OUT = process.env.GATEPOST_SCREENSHOTS === '1' ? 'docs/screenshots' : undefined;

let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  if (!OUT) return;
  [site, browser] = await Promise.all([
    startWebSite({
      timeScale: 4,
      users: [
        { name: KIOSK.id, role: 'kiosk', lane: KIOSK.lane, pin: KIOSK.pin },
        { name: COORDINATOR.id, role: 'coordinator', pin: COORDINATOR.pin },
      ],
    }),
    launchChromium(),
  ]);
  // Trucks for the pictures: three to the yard from the other lanes, one on east-1 to stay.
  const trucks: [string, string, string, number][] = [
    ['west-1', '豫A20031', 'drv-31', 36.5],
    ['east-2', '晋B30042', 'drv-42', 36.8],
    ['west-2', '冀C40053', 'drv-53', 36.4],
    [KIOSK.lane, '晋D10002', 'drv-2', 36.6],
  ];
  for (const [lane, plate, sub, temp] of trucks) {
    const sim = site.site.lane(lane);
    sim.barrier.putVehicle();
    await sim.scanner.present(await site.sign({ plate, sub, color: 'green' }));
    sim.thermometer?.presentTarget(temp);
  }
  const decided = () =>
    trucks.filter(([lane]) => site.messages.some((m) => m.topic === `gatepost/demo/lane/${lane}/decision`))
      .length;
  for (const until = Date.now() + 30_000; decided() < trucks.length && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 100));
  // A yard in use: trucks parked, half of them waiting for an antigen result.
  for (let i = 10; i < 34; i++)
    await parkTruck(
      site,
      `P-00${i}`,
      `晋A1${String(i).padStart(4, '0')}`,
      i % 2 === 0 ? 'antigen' : undefined,
    );
  if (OUT) mkdirSync(OUT, { recursive: true });
}, 90_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

/** The PNG's width and height, from its header. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function shoot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 0, height: 0 };
  const file = join(OUT ?? site.dir, `${name}-${size.width}x${size.height}.png`);
  // The clock and blinking pills are frozen for the picture; the page is not scrolled.
  const png = await page.screenshot({ path: file, animations: 'disabled', fullPage: false });
  expect(pngSize(png)).toEqual(size);
}

async function signedIn(page: Page, path: string, who: { id: string; pin: string }): Promise<void> {
  await page.goto(`${site.url}${path}`);
  await signInByTouch(page, who.id, who.pin);
  await expect
    .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 15_000 })
    .toContain('pill-ok');
}

describe.runIf(OUT)('screenshots', () => {
  for (const size of SIZES) {
    it(`the lane kiosk at ${size.width}×${size.height}`, async () => {
      const page = await browser.newPage({ viewport: size });
      await signedIn(page, `/kiosk/${KIOSK.lane}`, KIOSK);
      // The kiosk's sound check after sign-in: the test sound, then "heard it".
      await page.getByTestId('sound-test').click();
      await page.locator('.dialog-sound .dialog-actions .btn').click();
      // The truck on the lane and its decision are drawn.
      await expect
        .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 15_000 })
        .toBe('YARD');
      await page.waitForTimeout(500);
      await shoot(page, 'kiosk');
      expect.soft(describeProblems(await auditLayout(page)), `kiosk ${size.width}x${size.height}`).toBe('');
      await page.close();
    }, 60_000);

    it(`the yard map at ${size.width}×${size.height}`, async () => {
      const page = await browser.newPage({ viewport: size });
      await signedIn(page, '/yard', COORDINATOR);
      // All 1,200 bays known and drawn, the parked trucks and those sent to the yard among them.
      await expect
        .poll(() => page.evaluate(() => (globalThis as any).__gatepost.yard.known() as number), {
          timeout: 15_000,
        })
        .toBe(1200);
      // A parked truck chosen, its panel open.
      await tapBay(page, 'P-0012');
      await page.waitForTimeout(500);
      await shoot(page, 'yard');
      expect.soft(describeProblems(await auditLayout(page)), `yard ${size.width}x${size.height}`).toBe('');
      await page.close();
    }, 60_000);
  }
});
