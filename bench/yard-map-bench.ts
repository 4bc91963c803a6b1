import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import mqtt from 'mqtt';
import { chromium } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { startEmbeddedBroker } from '../broker/embedded-broker.ts';
import { silentLogger } from '../core/logger.ts';
import { GATEPOST_ACL } from '../gateway/mqtt/acl-roles.ts';
import { topicFor } from '../gateway/mqtt/topics.ts';
import { startWebServer } from '../gateway/web/server.ts';
import { buildLayout } from '../gateway/yard/layout.ts';
import { BAY_STATES, type BayState, type BayView } from '../gateway/yard/yard-payloads.ts';
import { parseConfig } from '../site-config/load.ts';

/**
 * How long the yard map in real headless Chromium (Debian's) takes to take in and draw a burst
 * in which every one of the demo site's 1,200 bays changes state.
 *
 * Conditions: the embedded broker (Aedes, WebSocket on loopback) and the web server in this
 * process; the page signed in (anonymous loopback, as in the demo) with the whole yard on
 * screen at 1920×1080; a burst is 1,200 retained bay messages (real `BayView` payloads of
 * 300-500 bytes, with a truck and samples where the state has one) published back to back at
 * QoS 0 by a client on TCP. Measured in the page, from just before the burst is published to the
 * end of the first animation frame that has drawn the last of them: broker delivery, schema
 * check, model update and canvas drawing. Median of 5 bursts after a warm-up.
 */
export type YardMapBenchFigures = {
  yard_map_1200_updates_ms: number;
};

export const YARD_MAP_BENCH_CONDITIONS =
  "headless Chromium 1920×1080, 1,200 retained bay updates (QoS 0) in one burst over the embedded broker's WebSocket, publish to painted frame, median of 5";

const ROUNDS = 5;

function views(
  bays: { id: string; zone: string; zoneKind: BayView['zoneKind'] }[],
  round: number,
  at: number,
) {
  return bays.map((b, i): BayView => {
    const state: BayState = BAY_STATES[(i + round) % BAY_STATES.length] ?? 'free';
    const holds = state !== 'free' && state !== 'blocked';
    return {
      bay: b.id,
      zone: b.zone,
      zoneKind: b.zoneKind,
      state,
      since: at,
      ...(holds
        ? {
            truck: {
              visitId: `v-${round}-${i}`,
              plate: `晋A${String(10000 + i)}`,
              intent: 'yard',
              lane: 'east-1',
              reservedAt: at - 600_000,
              ...(state === 'reserved' ? { expiresAt: at + 600_000 } : { arrivedAt: at - 300_000 }),
              isolated: state === 'isolation',
              samples:
                state === 'sampled' || state === 'overdue'
                  ? [
                      {
                        id: `s-${i}`,
                        kind: 'antigen',
                        at: at - 60_000,
                        dueAt: at + 840_000,
                        overdue: state === 'overdue',
                      },
                    ]
                  : [],
            },
          }
        : {}),
      ...(state === 'blocked' ? { block: { reason: 'disinfection' } } : {}),
      sensor: { state: 'none' },
    } as BayView;
  });
}

export async function yardMapBench(): Promise<YardMapBenchFigures> {
  const raw = parseYaml(readFileSync(resolve(import.meta.dirname, '../config/demo.yaml'), 'utf8')) as Record<
    string,
    any
  >;
  raw.web = { host: '127.0.0.1', port: 0 };
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { host: '127.0.0.1', port: 0 } };
  raw.simulation = { enabled: false };
  const config = parseConfig(raw);
  const log = silentLogger();
  const site = config.site.id;
  const bays = [...buildLayout(config.yard).bays.values()].map((b) => ({
    id: b.id,
    zone: b.zone,
    zoneKind: b.zoneKind,
  }));

  const broker = await startEmbeddedBroker({ ...config.broker, site, acl: GATEPOST_ACL, log });
  const web = await startWebServer({
    config,
    broker: { wsPort: broker.wsPort, signIn: false },
    tokens: undefined,
    log,
  });
  const client = await mqtt.connectAsync(broker.url ?? '');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const burst = async (round: number) => {
    for (const v of views(bays, round, Date.now())) {
      client.publish(topicFor('yardBay', { site, bay: v.bay }), JSON.stringify(v), { qos: 0, retain: true });
    }
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${web.url}/yard`);
    // Demo sign-in (no users file): the staff ID only.
    await page.getByTestId('staff-id').fill('bench');
    await page.getByTestId('sign-in-submit').click();
    await page.waitForFunction(() => (globalThis as any).__gatepost?.yard, undefined, { timeout: 10_000 });
    await burst(0);
    await page.waitForFunction(() => (globalThis as any).__gatepost.yard.known() === 1200, undefined, {
      timeout: 30_000,
    });

    const times: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const start = await page.evaluate(() => ({
        at: performance.now(),
        applied: (globalThis as any).__gatepost.yard.stats().applied as number,
      }));
      await burst(round);
      await page.waitForFunction(
        (target) => {
          const s = (globalThis as any).__gatepost.yard.stats();
          return s.applied >= target && s.lastFrameAt >= s.lastAppliedAt;
        },
        start.applied + bays.length,
        { timeout: 30_000, polling: 'raf' },
      );
      const end = await page.evaluate(
        () => (globalThis as any).__gatepost.yard.stats().lastFrameAt as number,
      );
      times.push(end - start.at);
    }
    times.sort((a, b) => a - b);
    return { yard_map_1200_updates_ms: Math.round(times[Math.floor(times.length / 2)] ?? Number.NaN) };
  } finally {
    await browser.close();
    await client.endAsync();
    await web.close();
    await broker.close();
  }
}

export default yardMapBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const figures = await yardMapBench();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n(${YARD_MAP_BENCH_CONDITIONS})\n`);
}
