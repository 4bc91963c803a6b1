import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { SOUND_PATTERNS, type SoundClass } from '../../gateway/web/client/shared/attention-sound.ts';
import { signInByTouch, type WebSite } from '../support/web-site.ts';

/**
 * What the kiosk tests share: a page with its Web Audio calls observed, signed in by touch and
 * through the sound check; a truck on a simulated lane; the sound classes heard.
 *
 * The observer is an init script that wraps `OscillatorNode.start` and records each note's
 * frequency and waveform in `window.__sounds`: the test hears what the page asked the audio
 * device to play. A note's (frequency, waveform) names its class (SOUND_PATTERNS).
 */
const SOUND_SPY = `(() => {
  window.__sounds = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__sounds.push({ hz: this.frequency.value, wave: this.type, at: Date.now() });
    return start.apply(this, args);
  };
})();`;

export type Heard = SoundClass | 'check';

/** The class a note belongs to, from its frequency and waveform. */
export function classOf(note: { hz: number; wave: string }): Heard | undefined {
  for (const [cls, p] of Object.entries(SOUND_PATTERNS))
    if (p.notes.some((n) => Math.abs(n.hz - note.hz) < 0.5 && n.wave === note.wave)) return cls as Heard;
  return undefined;
}

/** The classes of the notes the page has played since `since` (Date.now() in the page). */
export async function heard(page: Page, since = 0): Promise<Heard[]> {
  const notes = (await page.evaluate('window.__sounds')) as { hz: number; wave: string; at: number }[];
  return notes.filter((n) => n.at >= since).map((n) => classOf(n) ?? ('?' as Heard));
}

export async function pageNow(page: Page): Promise<number> {
  return (await page.evaluate('Date.now()')) as number;
}

/** The class the kiosk is repeating now (null: silent). */
export function soundNow(page: Page): Promise<string | null> {
  return page.evaluate('globalThis.__gatepost.kiosk.sound()') as Promise<string | null>;
}

export async function openKiosk(
  browser: Browser,
  site: WebSite,
  o: {
    lane: string;
    staff: string;
    pin: string;
    width?: number;
    height?: number;
    /** Runs on the new page before it loads (e.g. installs Playwright's clock, so that every page timer follows it). */
    before?: (p: Page) => Promise<void>;
  },
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: o.width ?? 1280, height: o.height ?? 800 } });
  await page.addInitScript(SOUND_SPY);
  await o.before?.(page);
  await page.goto(`${site.url}/kiosk/${o.lane}`);
  await signInByTouch(page, o.staff, o.pin);
  await expect
    .poll(() => page.getByTestId('link').getAttribute('class'), { timeout: 10_000 })
    .toContain('pill-ok');
  // The sound check: confirming before the test sound is refused; the test sound is played.
  await page.locator('.dialog-sound .dialog-actions .btn').click();
  await expect.poll(() => page.getByTestId('sound-note').textContent()).toBe('请先点“试听”');
  await page.getByTestId('sound-test').click();
  await expect.poll(() => heard(page)).toContain('check');
  await page.locator('.dialog-sound .dialog-actions .btn').click();
  await page.locator('.dialog-sound').waitFor({ state: 'detached' });
  return page;
}

/** A truck drives onto the lane, shows its pass and has its temperature taken. */
export async function truck(site: WebSite, lane: string, code: string, tempC: number): Promise<void> {
  const sim = site.site.lane(lane);
  sim.barrier.putVehicle();
  await sim.scanner.present(code);
  sim.thermometer?.presentTarget(tempC);
}

/** The truck leaves the lane (backs off the loop) and its temperature target goes. */
export function truckGone(site: WebSite, lane: string): void {
  const sim = site.site.lane(lane);
  sim.thermometer?.removeTarget();
  sim.barrier.removeVehicle();
}

export const records = (site: WebSite, lane: string, type: string) =>
  site.messages.filter((m) => m.topic === `gatepost/demo/lane/${lane}/${type}`).map((m) => m.payload);

/** The page's language, switched with the status bar's button when it differs. */
export async function setLang(page: Page, lang: 'zh' | 'en'): Promise<void> {
  const now = (await page.evaluate('document.documentElement.lang')) === 'en' ? 'en' : 'zh';
  if (now !== lang) await page.getByTestId('lang').click();
  await expect
    .poll(() => page.evaluate('document.documentElement.lang'))
    .toBe(lang === 'zh' ? 'zh-CN' : 'en');
  await settled(page);
}

/** Two animation frames: the kiosk draws its changes in the next one. */
export function settled(page: Page): Promise<unknown> {
  return page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** Stops the gateway's broker (every page loses its link) and returns how to start it again. */
export async function loseBroker(site: WebSite, started: EmbeddedBroker[]): Promise<() => Promise<void>> {
  const old = site.gateway.broker;
  if (!old) throw new Error('no embedded broker');
  const ports = { tcp: old.tcpPort, ws: old.wsPort };
  await old.close();
  return async () => {
    const { config } = site;
    started.push(
      await startEmbeddedBroker({
        ...config.broker,
        tcp: { ...config.broker.tcp, port: ports.tcp ?? 0 },
        websocket: { ...config.broker.websocket, port: ports.ws ?? 0 },
        site: config.site.id,
        acl: GATEPOST_ACL,
        log: silentLogger(),
      }),
    );
  };
}
