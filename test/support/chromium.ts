import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's headless Chromium for the page tests, on its own: a file that drives pages of its own
 * (a static page, the web server alone) imports this instead of web-site.ts, which brings the
 * whole gateway (gateway/app.ts and all it imports) into the test's module graph.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

/**
 * Closes the browser, waiting at most `budgetMs`: a Chromium that does not answer its close
 * (seen once on a loaded box) is left to Playwright, which kills it when the test process ends,
 * and the rest of the teardown (the gateway, the brokers, the temp dirs) still runs.
 */
export async function closeBrowser(browser: Browser | undefined, budgetMs = 15_000): Promise<void> {
  if (!browser) return;
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<'over'>((resolve) => {
    timer = setTimeout(() => resolve('over'), budgetMs);
  });
  const outcome = await Promise.race([browser.close(), over]);
  clearTimeout(timer);
  if (outcome === 'over') console.warn(`Chromium did not close within ${budgetMs} ms; left to Playwright`);
}
