import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageStatusSchema, UplinkStatusSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { demoConfigForTest, type GatewayProcess, spawnGateway } from '../support/gateway-process.ts';
import { checkDelivery, collectRecords, storedRecords } from '../support/load-gateway.ts';
import { startMosquitto } from '../support/mosquitto.ts';

/**
 * The real `gatepost start` process (the demo site, its simulated lanes making the traffic)
 * with the uplink on: records reach a real central Mosquitto; the central broker goes away, the
 * gateway is SIGKILLed during the outage and started again; everything the gateway counts as
 * delivered did arrive, in order, one id per (stream, seq). The heavy volumes are in
 * outage.test.ts and crash.test.ts; this one proves the wiring of gateway/app.ts.
 */
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleep(50);
  }
}

function cursors(dbPath: string): Map<string, { last: number; delivered: number }> {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT stream, last_seq, delivered_seq FROM streams').all() as {
      stream: string;
      last_seq: number;
      delivered_seq: number;
    }[];
    return new Map(rows.map((r) => [r.stream, { last: r.last_seq, delivered: r.delivered_seq }]));
  } finally {
    db.close();
  }
}

describe('gatepost start with the uplink', () => {
  it('forwards the demo records to the central broker through an outage and a SIGKILL', async () => {
    const central = await startMosquitto({ persistence: true });
    cleanup.push(() => central.dispose());
    const seen = await collectRecords(central.url, 'central/#', 'process-central', true);
    cleanup.push(() => seen.stop());
    const config = demoConfigForTest();
    config.uplink = {
      enabled: true,
      url: central.url,
      topicPrefix: 'central',
      reconnectMinMs: 100,
      reconnectMaxMs: 1000,
      statusIntervalMs: 200,
    };
    config.simulation = { ...config.simulation, timeScale: 5 };
    const dbPath = config.storage.path as string;
    const start = () => {
      const gw = spawnGateway(config);
      cleanup.push(() => gw.stop());
      return gw;
    };

    let gw: GatewayProcess = start();
    const listening = await gw.waitForLog((l) => l.msg === 'broker listening');
    await gw.waitForLog((l) => l.msg === 'uplink connected');
    const local = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.tcpPort}`, { reconnectPeriod: 0 });
    cleanup.push(() => local.endAsync(true));
    const uplinkStates: unknown[] = [];
    const storageStates: unknown[] = [];
    local.on('message', (topic, payload) => {
      if (topic === 'gatepost/demo/gateway/uplink')
        uplinkStates.push(UplinkStatusSchema.parse(JSON.parse(payload.toString())));
      if (topic === 'gatepost/demo/gateway/storage')
        storageStates.push(StorageStatusSchema.parse(JSON.parse(payload.toString())));
    });
    local.on('error', () => undefined);
    await local.subscribeAsync(['gatepost/demo/gateway/uplink', 'gatepost/demo/gateway/storage'], { qos: 1 });
    await until(() => seen.arrivals.length >= 10, 20_000);

    await central.stop();
    await until(
      () =>
        uplinkStates.some(
          (s) =>
            !(s as { connected: boolean }).connected &&
            (s as { backlog: { count: number } }).backlog.count > 0,
        ),
      10_000,
    );
    expect(storageStates.at(-1)).toMatchObject({ level: 'ok' });
    await sleep(1500);
    gw.child.kill('SIGKILL'); // a power cut during the outage
    await gw.exited;
    const beforeRestart = cursors(dbPath);
    const pendingAtKill = [...beforeRestart.values()].reduce((n, c) => n + c.last - c.delivered, 0);
    expect(pendingAtKill).toBeGreaterThan(0);

    gw = start();
    await gw.waitForLog((l) => l.msg === 'gateway ready');
    await sleep(1000);
    await central.restart();
    // Everything made before the restart, across the kill and the outage, gets delivered.
    await until(() => {
      const now = cursors(dbPath);
      return [...beforeRestart].every(([stream, c]) => (now.get(stream)?.delivered ?? 0) >= c.last);
    }, 30_000);
    gw.child.kill('SIGINT');
    expect(await gw.exited).toEqual({ code: 0, signal: null });

    const { records, integrity } = storedRecords(dbPath);
    expect(integrity).toBe('ok');
    const delivered = cursors(dbPath);
    const claimed = records.filter((r) => r.seq <= (delivered.get(r.stream)?.delivered ?? 0));
    const report = checkDelivery(claimed, seen.bySite('demo'));
    expect(report).toMatchObject({ missing: [], outOfOrder: 0, conflicting: 0 });
    expect(claimed.length).toBeGreaterThanOrEqual(
      [...beforeRestart.values()].reduce((n, c) => n + c.last, 0),
    );
    console.info(
      `gatepost process: ${records.length} records, ${pendingAtKill} pending at the SIGKILL during the outage, ${claimed.length} delivered, ${report.duplicates} duplicates`,
    );
  }, 90_000);
});
