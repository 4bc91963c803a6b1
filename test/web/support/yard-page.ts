import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { signInByTouch, type WebSite } from '../../support/web-site.ts';

/**
 * The yard page for the yard tests: a coordinator signed in by touch with all 1,200 bays known,
 * bays found on the canvas through the page's test hook, and trucks put in the yard through the
 * gateway's own yard API.
 */
export const COORDINATOR = { id: '300001', pin: '112233' };
export const staff = { kind: 'staff' as const, id: COORDINATOR.id };

export interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
}

export async function openYard(
  browser: Browser,
  site: WebSite,
  viewport: { width: number; height: number },
  /** `clock`: Playwright's clock installed before the page loads, so that every page timer follows it. */
  o: { hasTouch?: boolean; lang?: 'zh' | 'en'; clock?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport, hasTouch: o.hasTouch ?? false });
  const page = await context.newPage();
  if (o.lang === 'en') await page.addInitScript(() => localStorage.setItem('gatepost.lang', 'en'));
  if (o.clock) await page.clock.install();
  await page.goto(`${site.url}/yard`);
  await signInByTouch(page, COORDINATOR.id, COORDINATOR.pin);
  await page.waitForFunction(() => (globalThis as any).__gatepost?.yard?.known() === 1200, undefined, {
    timeout: 15_000,
  });
  return page;
}

/** Calls one of the page's `__gatepost.yard` functions. */
export function yardHook<T>(page: Page, name: string, arg?: string): Promise<T> {
  return page.evaluate(([n, a]) => (globalThis as any).__gatepost.yard[n as string](a) as T, [
    name,
    arg,
  ] as const);
}

export async function cellOf(page: Page, bay: string): Promise<Cell> {
  const r = await yardHook<Cell | undefined>(page, 'cellOf', bay);
  if (!r) throw new Error(`bay ${bay} is not on the map`);
  return r;
}

/** Taps (or clicks) a bay on the canvas, in its cell away from the number and outline. */
export async function tapBay(page: Page, bay: string, touch = false): Promise<void> {
  // A dialog still open (one waiting for the gateway's reply to the last action, on a busy box)
  // takes the tap, as it would a person's: wait until the map is in front again.
  await expect.poll(() => page.locator('.dialog-overlay').count(), { timeout: 10_000 }).toBe(0);
  const r = await cellOf(page, bay);
  const x = Math.round(r.x + r.w * 0.25);
  const y = Math.round(r.y + r.h * 0.25);
  if (touch) await page.touchscreen.tap(x, y);
  else await page.mouse.click(x, y);
  await expect.poll(() => yardHook<string | undefined>(page, 'selected')).toBe(bay);
}

/** A truck in a bay (arrived), optionally with a sample waiting for its result. */
export async function parkTruck(
  site: WebSite,
  bay: string,
  plate: string,
  sample?: 'antigen' | 'pcr',
): Promise<void> {
  const y = site.gateway.yard;
  const zoneKind = bay.startsWith('I-') ? 'isolation' : bay.startsWith('H-') ? 'handover' : 'parking';
  await y.assign({ plate, bay, zoneKind, arrived: true, reason: 'test' }, staff);
  if (sample) await y.sample(bay, sample, staff);
  await y.settle();
}

/** The records of one kind the test's MQTT client saw, e.g. `result-recorded`. */
export function records(site: WebSite, kind: string): { topic: string; payload: any }[] {
  return site.messages.filter((m) => m.topic === `gatepost/demo/yard/${kind}`);
}
