import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { parse as parseYaml } from 'yaml';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { type Clock, ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { GatewayClient } from '../../gateway/mqtt/gateway-client.ts';
import { RecordSink } from '../../gateway/record-sink.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { HandoverProjection } from '../../gateway/store/handover-ledger.ts';
import { Ledger } from '../../gateway/store/ledger.ts';
import { LedgerProjection } from '../../gateway/store/ledger-projection.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { chooseBay } from '../../gateway/yard/assignment.ts';
import { serveCoordinatorRequests } from '../../gateway/yard/coordinator.ts';
import { receivingTransitFinder } from '../../gateway/yard/handover/receiving-transit.ts';
import { buildLayout } from '../../gateway/yard/layout.ts';
import { rebuildYard, storeYardReader, type YardRecordWriter } from '../../gateway/yard/rebuild.ts';
import { bayView, yardSummary } from '../../gateway/yard/views.ts';
import { Yard } from '../../gateway/yard/yard.ts';
import type { BayView, YardSummary } from '../../gateway/yard/yard-payloads.ts';
import { YardState } from '../../gateway/yard/yard-state.ts';
import { parseConfig } from '../../site-config/load.ts';
import { startLoopbackBroker } from '../support/loopback-broker.ts';

export const SITE = 'demo';

/** The demo site's yard config (1,200 bays), parsed as the gateway parses it. */
export function demoYardConfig() {
  return parseConfig(parseYaml(readFileSync('config/demo.yaml', 'utf8'))).yard;
}

/** The yard over the real pieces: embedded Aedes, a SQLite file, the record store and sink. */
export interface YardStack {
  broker: EmbeddedBroker;
  db: Database;
  store: RecordStore;
  client: GatewayClient;
  yard: Yard;
  dbPath: string;
  /** A coordinator's page: a plain MQTT client. */
  page: MqttClient;
  stop(): Promise<void>;
  /**
   * The process dies: what the yard writes from now on never reaches the store and is never
   * answered; no clean stop of the yard (no final snapshot); its connections and broker go.
   */
  kill(): Promise<void>;
}

export async function startYardStack(opts: { dbPath?: string; clock?: Clock; broker?: EmbeddedBroker } = {}) {
  const dbPath = opts.dbPath ?? join(mkdtempSync(join(tmpdir(), 'gatepost-yard-')), 'gatepost.db');
  const clock = opts.clock ?? new ScaledClock(1);
  const log = silentLogger();
  const broker = opts.broker ?? (await startLoopbackBroker({ log }));
  const db = openDatabase(dbPath);
  const store = new RecordStore({ db, site: SITE, clock, log, groupCommitMs: 2 });
  // As the gateway does (store/storage.ts): the ledger of trucks and drivers, fed by the records.
  store.addProjection(new LedgerProjection(db, log));
  store.addProjection(new HandoverProjection(db, log));
  const client = await GatewayClient.connect({
    url: broker.url ?? '',
    site: SITE,
    version: 'test',
    clock,
    log,
  });
  const sink = new RecordSink(store, client, SITE, log);
  // After `kill`, nothing more reaches the store and nobody hears back, as with a dead process.
  let dead = false;
  const writer: YardRecordWriter = {
    record: (stream, type, data) => (dead ? new Promise(() => {}) : sink.record(stream, type, data)),
  };
  const yard = Yard.start({
    config: demoYardConfig(),
    site: SITE,
    clock,
    log,
    writer,
    reader: storeYardReader(db, store),
    target: client,
    findTransit: receivingTransitFinder(new Ledger(db), () => clock.now()),
  });
  await serveCoordinatorRequests(client, SITE, { yard, writer, log });
  const page = await mqtt.connectAsync(broker.url ?? '');
  await page.subscribeAsync(`gatepost/${SITE}/yard/response/+`, { qos: 1 });
  let stopped = false;
  const stack: YardStack = {
    broker,
    db,
    store,
    client,
    yard,
    dbPath,
    page,
    async stop() {
      if (stopped) return;
      stopped = true;
      await page.endAsync();
      await yard.stop();
      await client.stop();
      store.close();
      db.close();
      if (!opts.broker) await broker.close();
    },
    async kill() {
      if (stopped) return;
      stopped = true;
      dead = true;
      await page.endAsync(true);
      await client.stop();
      if (!opts.broker) await broker.close();
      store.close();
      db.close();
    },
  };
  return stack;
}

/** Every retained yard topic, as a fresh page sees on connect. */
export async function retainedYard(
  url: string,
  bays: number,
): Promise<{ bays: Map<string, BayView>; summary: YardSummary }> {
  const client = await mqtt.connectAsync(url);
  const seen = new Map<string, BayView>();
  let summary: YardSummary | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${seen.size} of ${bays} retained bay topics`)),
      20_000,
    );
    client.on('message', (topic, payload, packet) => {
      if (!packet.retain) return;
      const data = JSON.parse(payload.toString());
      if (topic.endsWith('/summary')) summary = data;
      else seen.set(topic.split('/').at(-1) ?? '', data);
      if (seen.size === bays && summary) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await client.subscribeAsync([`gatepost/${SITE}/yard/bay/+`, `gatepost/${SITE}/yard/summary`], { qos: 1 });
  await done;
  await client.endAsync();
  return { bays: seen, summary: summary as YardSummary };
}

/**
 * What the store says, independently of the running yard: a fresh yard state rebuilt from the SQLite
 * file by a second connection, its bay views (sensor part left out: sensors are live, not
 * records) and its summary at a given time.
 */
export function fromStore(dbPath: string, at: number, sensors: YardSummary['sensors']) {
  const db = openDatabase(dbPath);
  try {
    const store = new RecordStore({
      db,
      site: SITE,
      clock: new ScaledClock(1),
      log: silentLogger(),
      groupCommitMs: 0,
    });
    const config = demoYardConfig();
    const state = new YardState(buildLayout(config));
    const report = rebuildYard(state, storeYardReader(db, store), silentLogger());
    const views = new Map(
      [...state.bays.values()].map((b) => [b.def.id, withoutSensor(bayView(b, { state: 'none' }))]),
    );
    const summary = yardSummary({
      state,
      now: at,
      sensors,
      next: (kind) => {
        const cursor = state.cursors.get(kind);
        const rank = cursor === undefined ? undefined : state.layout.bays.get(cursor.bay)?.rank;
        return chooseBay(
          config.assignmentPolicy,
          state.layout.byKind.get(kind) ?? [],
          (id) => state.bay(id)?.state === 'free',
          rank,
        );
      },
    });
    return { views, summary, report };
  } finally {
    db.close();
  }
}

export function withoutSensor(v: BayView): Omit<BayView, 'sensor'> {
  const { sensor: _sensor, ...rest } = v;
  return rest;
}

type Waiter = (reply: Record<string, any>) => void;
const waiting = new WeakMap<MqttClient, Map<string, Waiter>>();

/** One listener per page hands each reply to whoever waits for its action and transaction. */
function waitersOf(page: MqttClient): Map<string, Waiter> {
  let map = waiting.get(page);
  if (!map) {
    const m = new Map<string, Waiter>();
    page.on('message', (topic, payload) => {
      const action = /^gatepost\/[^/]+\/yard\/response\/([^/]+)$/.exec(topic)?.[1];
      if (!action) return;
      const body = JSON.parse(payload.toString());
      m.get(`${action}/${body.transaction}`)?.(body);
    });
    waiting.set(page, m);
    map = m;
  }
  return map;
}

/**
 * Sends a coordinator request over MQTT from the page (subscribed to the replies) and resolves
 * with the reply carrying `expect` as its transaction (the request's own, unless said otherwise).
 */
export async function request(
  page: MqttClient,
  action: string,
  data: unknown,
  transaction: string,
  expect = transaction,
): Promise<Record<string, any>> {
  const waiters = waitersOf(page);
  const key = `${action}/${expect}`;
  const reply = new Promise<Record<string, any>>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(key);
      reject(new Error(`no reply to ${action} ${transaction}`));
    }, 10_000);
    waiters.set(key, (body) => {
      clearTimeout(timer);
      waiters.delete(key);
      resolve(body);
    });
  });
  await page.publishAsync(
    `gatepost/${SITE}/yard/request/${action}`,
    JSON.stringify({ transaction, staffId: 'C-07', data }),
    { qos: 1 },
  );
  return reply;
}
