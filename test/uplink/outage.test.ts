import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Collector,
  checkDelivery,
  collectRecords,
  type FixtureEvent,
  type LoadGateway,
  spawnLoadGateway,
  storedRecords,
} from '../support/load-gateway.ts';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.ts';

/**
 * The central broker (a real Mosquitto) is down for 12 s while two gateway processes under load
 * keep making records: gateway A rides the outage out, gateway B is SIGKILLed in the middle of
 * it and restarted. Afterwards every record of both arrives, in order per stream once
 * duplicates are dropped by id, with one id per (stream, seq). Both variants share the brokers
 * and the one outage. The outage lasts until each gateway has made over 10,000 records in it
 * (longer than 12 s if a loaded box slows the traffic); nothing in the uplink depends on the
 * outage being longer (its backoff is capped at reconnectMaxMs, 2 s here).
 */
const OUTAGE_MS = 12_000;
const RATE = 1100; // records/s per gateway: > 10,000 during the outage, B's restart included
const STREAMS = ['lane/east-1', 'lane/east-2', 'yard', 'gateway'];
const TYPES = ['transit-start', 'decision', 'barrier', 'reading', 'transit-end'];

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

function status(e: FixtureEvent) {
  return e as FixtureEvent & { made: number; uplink: { connected: boolean; backlog: { count: number } } };
}

describe('uplink outage against a real Mosquitto', () => {
  it('delivers every record made during a 12 s outage, in order, also when the gateway is killed in it', async () => {
    const central = await startMosquitto({ persistence: true });
    cleanup.push(() => central.dispose());
    const local = await startMosquitto({ persistence: false });
    cleanup.push(() => local.dispose());
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-outage-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

    const centralSeen: Collector = await collectRecords(central.url, 'central/#', 'central-consumer', true);
    cleanup.push(() => centralSeen.stop());
    const localSeen: Collector = await collectRecords(local.url, 'gatepost/#', 'local-watcher', false);
    cleanup.push(() => localSeen.stop());

    const config = (site: string) => ({
      site,
      dbPath: join(dir, `${site}.db`),
      localUrl: local.url,
      uplink: {
        url: central.url,
        topicPrefix: 'central',
        reconnectMinMs: 200,
        reconnectMaxMs: 2000,
        drainRatePerSecond: 4000,
        statusIntervalMs: 250,
      },
      ratePerSecond: RATE,
      streams: STREAMS,
      types: TYPES,
    });
    const gateways = new Map<string, LoadGateway>();
    const start = (site: string) => {
      const gw = spawnLoadGateway(config(site));
      cleanup.push(() => gw.kill());
      gateways.set(site, gw);
      return gw;
    };
    for (const site of ['gw-a', 'gw-b']) start(site);
    for (const gw of gateways.values())
      expect((await gw.waitFor((e) => e.event === 'ready')).integrity).toBe('ok');
    await until(
      () => centralSeen.bySite('gw-a').length > 500 && centralSeen.bySite('gw-b').length > 500,
      20_000,
    );

    // ---- the outage ----
    await stopBroker(central);
    const outageStart = Date.now();
    const localAtOutage = { a: localSeen.bySite('gw-a').length, b: localSeen.bySite('gw-b').length };
    await sleep(OUTAGE_MS / 2);
    await gateways.get('gw-b')?.kill(); // power cut in the middle of the outage
    const restarted = start('gw-b');
    expect((await restarted.waitFor((e) => e.event === 'ready')).integrity).toBe('ok');
    await until(
      () =>
        Date.now() - outageStart >= OUTAGE_MS &&
        localSeen.bySite('gw-a').length - localAtOutage.a >= 10_000 &&
        localSeen.bySite('gw-b').length - localAtOutage.b >= 10_000,
      OUTAGE_MS + 15_000,
    );
    const madeDuringOutage = {
      a: localSeen.bySite('gw-a').length - localAtOutage.a,
      b: localSeen.bySite('gw-b').length - localAtOutage.b,
    };
    const outageMs = Date.now() - outageStart;
    for (const gw of gateways.values()) {
      const s = status(await gw.waitFor((e) => e.event === 'status' && !status(e).uplink.connected));
      expect(s.uplink.backlog.count).toBeGreaterThan(9000);
    }
    await central.restart();

    // Live records keep flowing while the backlog drains; then the traffic stops and the rest drains.
    for (const gw of gateways.values())
      await gw.waitFor((e) => e.event === 'status' && status(e).uplink.connected, 20_000);
    await sleep(2000);
    for (const gw of gateways.values()) gw.child.kill('SIGUSR2');
    for (const gw of gateways.values()) {
      await gw.waitFor((e) => e.event === 'status' && status(e).uplink.backlog.count === 0, 30_000);
      await gw.stop();
    }
    // Both gateways are stopped: their stores are final. The last PUBLISHes reach the consumer (or
    // the time is up, and the checks below say what is missing).
    const stored = new Map(['gw-a', 'gw-b'].map((site) => [site, storedRecords(join(dir, `${site}.db`))]));
    await until(
      () =>
        [...stored].every(
          ([site, { records }]) => checkDelivery(records, centralSeen.bySite(site)).missing.length === 0,
        ),
      5000,
    ).catch(() => undefined);

    for (const [site, { records, integrity }] of stored) {
      expect(integrity).toBe('ok');
      const arrivals = centralSeen.bySite(site);
      const report = checkDelivery(records, arrivals);
      if (report.missing.length > 0) {
        const miss = new Set(report.missing);
        const bySlot = records.filter((r) => miss.has(r.id)).map((r) => `${r.stream}#${r.seq}`);
        console.error(site, 'missing', bySlot.slice(0, 20), bySlot.slice(-5), 'of', bySlot.length);
      }
      const acknowledged = localSeen.bySite(site);
      const storedIds = new Set(records.map((r) => r.id));
      expect(acknowledged.filter((a) => !storedIds.has(a.id))).toEqual([]);
      expect(report).toMatchObject({
        missing: [],
        outOfOrder: 0,
        gaps: [],
        conflicting: 0,
        unique: records.length,
      });
      console.info(
        `${site}: ${records.length} records, ${madeDuringOutage[site === 'gw-a' ? 'a' : 'b']} made during the ${Math.round(outageMs / 1000)} s outage, ${report.duplicates} duplicates (removable by id)`,
      );
    }
    expect(centralSeen.invalid).toBe(0);
  }, 120_000);
});

async function stopBroker(b: Mosquitto): Promise<void> {
  await b.stop();
  expect(b.running).toBe(false);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}
