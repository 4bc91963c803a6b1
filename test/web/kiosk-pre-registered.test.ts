import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreRegistrationStore } from '../../gateway/downlink/pre-registrations.ts';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk, records as recordsOf, setLang } from './kiosk-helpers.ts';

/**
 * The kiosk in real headless Chromium against the real gateway with simulated devices and a
 * simulated plate camera at east-1: a truck the central office announced (a pre-registration in
 * the gateway's store) shows no pass; the kiosk shows REVIEW "no pass, pre-registered" with the
 * announcement (its destination and crew) in Chinese as in English.
 */
let site: WebSite;
let browser: Browser;

/** A port free right now on loopback (the simulated camera must know it before the gateway listens). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  [site, browser] = await Promise.all([
    startWebSite({
      timeScale: 4,
      configure: (raw) => {
        for (const cp of raw.checkpoints)
          for (const lane of cp.lanes) if (lane.id === 'east-1') lane.decisionTimeoutMs = 8_000;
        raw.cameras = {
          enabled: true,
          host: '127.0.0.1',
          port,
          plate: [{ id: 'east-1-plate', lane: 'east-1', secret: 'east-1-plate-secret-01' }],
        };
      },
      users: [{ name: '200301', role: 'kiosk', lane: 'east-1', pin: '246810' }],
    }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

describe('kiosk: a pre-registered truck without a pass', () => {
  it('REVIEW pre-registered, the announcement on the kiosk in both languages', async () => {
    // The downlink's table, written as a pre-registrations envelope would (another connection).
    const db = new Database(site.config.storage.path);
    const now = Math.floor(site.clock.now() / 1000);
    new PreRegistrationStore(db).apply(
      {
        mode: 'delta',
        remove: [],
        upsert: [
          {
            id: 'r-81',
            plate: '冀A12345',
            plateColour: 'yellow',
            crew: [{ role: 'driver', name: '张三', idNumber: '110101199003071234' }],
            destination: '北京新发地',
            validFrom: now - 3600,
            validUntil: now + 86_400,
          },
        ],
      },
      'env-kiosk-1',
      site.clock.now(),
    );
    db.close();

    const page = await openKiosk(browser, site, { lane: 'east-1', staff: '200301', pin: '246810' });
    const sim = site.site.lane('east-1');
    sim.barrier.putVehicle();
    await site.site.cameras.plateSeen('east-1', '冀A12345', 'yellow', 'read');
    sim.thermometer?.presentTarget(36.5);
    await expect
      .poll(() => page.getByTestId('decision-banner').getAttribute('data-outcome'), { timeout: 20_000 })
      .toBe('REVIEW');
    // The page's WebSocket may hear the decision before the test's MQTT client does.
    await expect.poll(() => recordsOf(site, 'east-1', 'decision').length).toBeGreaterThan(0);
    const decision = recordsOf(site, 'east-1', 'decision')[0]?.data;
    expect(decision).toMatchObject({
      plate: '冀A12345',
      plateColour: 'yellow',
      preRegistration: { id: 'r-81', destination: '北京新发地' },
    });
    expect(decision.reasons.map((r: { code: string }) => r.code)).toEqual(['pre-registered']);

    const reason = page.locator('[data-testid="reasons"] li[data-code="pre-registered"]');
    await expect.poll(() => reason.textContent(), { timeout: 10_000 }).toContain('无通行码，已报备');
    expect(await reason.textContent()).toContain('北京新发地');
    expect(await reason.textContent()).toContain('张三');
    expect(await reason.textContent()).not.toContain('110101199003071234');
    await setLang(page, 'en');
    await expect.poll(() => reason.textContent(), { timeout: 10_000 }).toContain('No pass, pre-registered');
    expect(await reason.textContent()).toContain('r-81');
  }, 60_000);
});
