import type { Worker } from 'node:worker_threads';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/tmp.ts';
import { closeBrowser, launchChromium, startWebSite, type WebSite } from '../support/web-site.ts';
import { openKiosk } from './kiosk-helpers.ts';

/**
 * Staff sign in after the gateway's embedded broker restarts, in real Chromium against the real
 * gateway: the broker's thread dies and the gateway starts it again on its ports with the same
 * secrets behind the same handle, so the web server's sign-in reaches the new broker, the token
 * it issues is taken, and a page open before the restart comes back by itself.
 *
 * (The kiosk tests' "broker loss" closes that handle and starts another broker the web server
 * does not know: a sign-in after it fails because of the test, not of the product.)
 */
let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  [site, browser] = await Promise.all([
    startWebSite({ users: [{ name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' }] }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await closeBrowser(browser);
  await site?.stop();
  await removeTempDirs();
});

describe('sign-in after the broker restarts', () => {
  it('a new sign-in works and an open page reconnects once the broker thread is back', async () => {
    const broker = site.gateway.broker;
    if (!broker) throw new Error('no embedded broker');
    expect(broker.runs).toBe('thread');
    const wsPort = broker.wsPort;
    const before = await openKiosk(browser, site, { lane: 'east-1', staff: '200101', pin: '246810' });

    // The thread dies (terminated from outside, as a crash would end it).
    const worker = (broker as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await expect
      .poll(() => before.getByTestId('link').getAttribute('class'), { timeout: 10_000 })
      .not.toContain('pill-ok');
    // Back on the same port once the gateway has started it again.
    await expect
      .poll(
        () =>
          broker.refusals().then(
            () => true,
            () => false,
          ),
        { timeout: 15_000, interval: 250 },
      )
      .toBe(true);
    expect(broker.wsPort).toBe(wsPort);

    // A sign-in now: the token is issued by the new broker and taken by it (the link is up).
    const after = await openKiosk(browser, site, { lane: 'east-1', staff: '200101', pin: '246810' });
    expect(await after.getByTestId('link').getAttribute('class')).toContain('pill-ok');
    // The page of before is back too, with the token it had.
    await expect
      .poll(() => before.getByTestId('link').getAttribute('class'), { timeout: 20_000 })
      .toContain('pill-ok');
    await after.close();
    await before.close();
  }, 90_000);
});
