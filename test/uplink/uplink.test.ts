import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { type UplinkStatus, UplinkStatusSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { Uplink } from '../../gateway/uplink/uplink.ts';
import { StorageConfigSchema, UplinkConfigSchema } from '../../site-config/schema.ts';
import { checkDelivery, collectRecords } from '../support/load-gateway.ts';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function broker(persistence = false): Promise<Mosquitto> {
  const b = await startMosquitto({ persistence });
  cleanup.push(() => b.dispose());
  return b;
}

function gateway(dir = mkdtempSync(join(tmpdir(), 'gatepost-uplink-'))) {
  const path = join(dir, 'g.db');
  const db = openDatabase(path);
  const log = silentLogger();
  const store = new RecordStore({ db, site: 'up', clock: systemClock, log, groupCommitMs: 2 });
  const storage = startStorage({
    db,
    store,
    config: StorageConfigSchema.parse({ path }),
    site: 'up',
    clock: systemClock,
    log,
  });
  const published: UplinkStatus[] = [];
  const uplinks: Uplink[] = [];
  const uplink = (url: string, overrides: Record<string, unknown> = {}, registry?: Registry) => {
    const u = new Uplink({
      config: UplinkConfigSchema.parse({
        enabled: true,
        url,
        topicPrefix: 'central',
        reconnectMinMs: 100,
        reconnectMaxMs: 400,
        statusIntervalMs: 100,
        ...overrides,
      }),
      site: 'up',
      store,
      outbox: storage.outbox,
      reclaimer: storage.reclaimer,
      clock: systemClock,
      log,
      status: {
        async publish(topic, payload, retain) {
          expect(topic).toBe('gatepost/up/gateway/uplink');
          expect(retain).toBe(true);
          published.push(UplinkStatusSchema.parse(payload));
        },
      },
      ...(registry ? { registry } : {}),
    });
    uplinks.push(u);
    return u;
  };
  cleanup.push(async () => {
    for (const u of uplinks) await u.stop();
    storage.stop();
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const append = (stream: string, count: number, type = 'decision') =>
    Promise.all(
      Array.from({ length: count }, (_, i) => store.append(stream, type, { i, pad: 'x'.repeat(100) })),
    );
  return { db, store, storage, uplink, published, append, dir };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleep(10);
  }
}
const allRecords = (db: ReturnType<typeof gateway>['db']) =>
  db.prepare("SELECT id, 'up' AS site, stream, seq FROM records").all() as {
    id: string;
    site: string;
    stream: string;
    seq: number;
  }[];

describe('Uplink', () => {
  it('forwards every record in order with its id, moves the cursor on PUBACK, reports status and metrics', async () => {
    const b = await broker();
    const central = await collectRecords(b.url, 'central/#', 'c-order', false);
    cleanup.push(() => central.stop());
    const g = gateway();
    const registry = new Registry();
    await g.append('lane/east-1', 200);
    const u = g.uplink(b.url, {}, registry);
    u.start();
    await Promise.all([g.append('yard', 150), g.append('gateway', 150, 'reading')]);
    await until(() => central.arrivals.length >= 500);
    const report = checkDelivery(allRecords(g.db), central.arrivals);
    expect(report).toMatchObject({ missing: [], outOfOrder: 0, gaps: [], conflicting: 0, unique: 500 });
    await until(() => g.storage.outbox.streams().every((s) => s.deliveredSeq === s.lastSeq));
    expect(g.storage.outbox.streams().map((s) => [s.stream, s.deliveredSeq])).toEqual([
      ['gateway', 150],
      ['lane/east-1', 200],
      ['yard', 150],
    ]);
    await until(() => g.published.at(-1)?.backlog.count === 0);
    expect(g.published.at(-1)).toMatchObject({
      connected: true,
      url: b.url,
      inFlight: 0,
      deliveredTotal: 500,
    });
    expect(g.published.at(-1)?.backlog).toEqual({ count: 0, oldestAt: null, ageMs: null });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/gatepost_uplink_connected 1/);
    expect(metrics).toMatch(/gatepost_uplink_delivered_records_total 500/);
    expect(metrics).toMatch(/gatepost_uplink_backlog_records 0/);
  });

  it('replays a backlog at the configured rate while live records of other streams pass at once', async () => {
    const b = await broker();
    const central = await collectRecords(b.url, 'central/#', 'c-live', false);
    cleanup.push(() => central.stop());
    const arrivedAt = new Map<string, number>();
    central.client.on('message', (_t, payload) =>
      arrivedAt.set((JSON.parse(payload.toString()) as { id: string }).id, Date.now()),
    );
    const g = gateway();
    // The backlog of an outage: 6 s at the limit, longer than the live records below take even on
    // a loaded box (at 6,000 it once drained whole before they were done, and proved nothing).
    const BACKLOG = 12_000;
    await g.append('lane/busy', BACKLOG);
    const u = g.uplink(b.url, { drainRatePerSecond: 2000 });
    const started = Date.now();
    u.start();
    await until(() => u.isConnected);
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [rec] = await g.append('lane/quiet', 1, 'transit-start');
      const id = rec?.id ?? '';
      const t0 = Date.now();
      void until(() => arrivedAt.has(id), 5000).then(() => latencies.push((arrivedAt.get(id) ?? 0) - t0));
      await sleep(50);
    }
    const busyAfter = central.arrivals.filter((a) => a.stream === 'lane/busy').length;
    const elapsed = (Date.now() - started) / 1000;
    await until(() => latencies.length === 30);
    latencies.sort((a, b) => a - b);
    // Live records are not rate limited and do not queue behind the other stream's backlog.
    expect(latencies[Math.floor(latencies.length * 0.95)]).toBeLessThan(250);
    // The backlog was still draining meanwhile, at about the configured rate.
    expect(busyAfter).toBeLessThan(BACKLOG);
    expect(busyAfter / elapsed).toBeGreaterThan(2000 * 0.6);
    expect(busyAfter / elapsed).toBeLessThan(2000 * 1.3);
    await until(() => central.arrivals.length >= BACKLOG + 30, 20_000);
    expect(checkDelivery(allRecords(g.db), central.arrivals)).toMatchObject({
      missing: [],
      outOfOrder: 0,
      gaps: [],
    });
    console.info(
      `backlog replay ${Math.round(busyAfter / elapsed)} records/s (limit 2000); live latency p50 ${latencies[15]} ms, p95 ${latencies[28]} ms`,
    );
  });

  it('reconnects with backoff when the broker goes away and resends from the cursor, same ids', async () => {
    const b = await broker(true);
    const central = await collectRecords(b.url, 'central/#', 'c-reconnect', true);
    cleanup.push(() => central.stop());
    const g = gateway();
    const u = g.uplink(b.url);
    u.start();
    await g.append('lane/east-1', 100);
    await until(() => central.arrivals.length >= 100);
    await b.stop();
    await until(() => !u.isConnected);
    const reconnectsAtLoss = u.status().reconnects;
    await g.append('lane/east-1', 300);
    await sleep(1500);
    const down = u.status();
    expect(down).toMatchObject({ connected: false, backlog: { count: 300 } });
    expect(down.backlog.ageMs).toBeGreaterThanOrEqual(1000);
    // Capped backoff (100 ms doubling to 400 ms, with jitter): a handful of attempts in 1.5 s,
    // neither none nor a tight loop.
    const attempts = down.reconnects - reconnectsAtLoss;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(12);
    expect(g.published.some((p) => !p.connected && p.backlog.count === 300)).toBe(true);
    await b.restart();
    await until(() => central.arrivals.length >= 400 && u.status().backlog.count === 0);
    // PUBACKed by the central broker is not yet delivered to its subscriber: wait for the
    // collector to see every id (or the timeout), then check.
    await until(() => checkDelivery(allRecords(g.db), central.arrivals).missing.length === 0).catch(
      () => undefined,
    );
    expect(checkDelivery(allRecords(g.db), central.arrivals)).toMatchObject({
      missing: [],
      outOfOrder: 0,
      gaps: [],
      conflicting: 0,
    });

    // A new uplink on the same store (a restart) sends only what the cursor has not passed.
    await u.stop();
    const before = central.arrivals.length;
    await g.append('yard', 50);
    const again = g.uplink(b.url);
    again.start();
    await until(() => central.arrivals.length >= before + 50);
    await sleep(300);
    expect(central.arrivals.slice(before).every((a) => a.stream === 'yard')).toBe(true);
    expect(checkDelivery(allRecords(g.db), central.arrivals)).toMatchObject({ missing: [], conflicting: 0 });
  });
});
