import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * What else runs on a checkpoint's box (issue 26), as a process of its own beside the gateway:
 *   - a real Chromium (Debian's, headless, software rendering) showing the yard map at 1920×1080
 *     and the kiosks of two lanes at 1280×800, signed in (demo sign-in) and live over the
 *     gateway's broker;
 *   - a writer on the store's disk: `perSecond` small appends (512 bytes), each fsync'd, to a
 *     file beside the store (a log shipper, an upgrade unpacking).
 * argv: <webUrl> <dir> <perSecond> <lane> <lane>. Tells `ready` once the pages are live; the
 * writer runs from `go` to `stop`, then tells `done` with the writes done and their fsync time.
 */
const [webUrl = '', dir = '', perSecondArg = '200', ...lanes] = process.argv.slice(2);
const perSecond = Number(perSecondArg);

const browser: Browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

async function open(path: string, viewport: { width: number; height: number }): Promise<void> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${webUrl}${path}`);
  await page.getByTestId('staff-id').fill('bench');
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('sign-in-submit').waitFor({ state: 'detached', timeout: 30_000 });
}

await open('/yard', { width: 1920, height: 1080 });
for (const lane of lanes.slice(0, 2))
  await open(`/kiosk/${encodeURIComponent(lane)}`, { width: 1280, height: 800 });
tellParent({ type: 'ready', pages: 1 + Math.min(2, lanes.length) });

await untilParentSays('go');
const file = join(dir, 'colocated-writer.log');
const fd = openSync(file, 'a');
const block = Buffer.alloc(512, 0x6c);
let writes = 0;
const fsyncMs: number[] = [];
let running = true;
const stopped = untilParentSays('stop').then(() => {
  running = false;
});
const t0 = performance.now();
while (running) {
  // Paced to `perSecond` on average: each write at its slot, none skipped to catch up.
  const due = t0 + (writes * 1000) / perSecond;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (!running) break;
  writeSync(fd, block);
  const f0 = performance.now();
  fsyncSync(fd);
  fsyncMs.push(performance.now() - f0);
  writes++;
}
await stopped;
const seconds = (performance.now() - t0) / 1000;
closeSync(fd);
unlinkSync(file);
fsyncMs.sort((a, b) => a - b);
tellParent({
  type: 'done',
  writes,
  perSecond: writes / seconds,
  fsyncP99Ms: fsyncMs[Math.floor(fsyncMs.length * 0.99)] ?? 0,
});
await browser.close();
process.exit(0);
