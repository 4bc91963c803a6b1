import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { Downlink } from '../../gateway/downlink/downlink.ts';
import type { DownlinkStatus } from '../../gateway/downlink/downlink-topics.ts';
import type { DownlinkAck, DownlinkClaims } from '../../gateway/downlink/envelope.ts';
import {
  type CentralPrivateJwk,
  generateCentralKey,
  signEnvelope,
} from '../../gateway/downlink/envelope-sign.ts';
import type { DecisionRules } from '../../gateway/lanes/decision-rules.ts';
import type { GatepostRecord } from '../../gateway/mqtt/record.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { Uplink } from '../../gateway/uplink/uplink.ts';
import type { CoordinatorContext } from '../../gateway/yard/coordinator.ts';
import { storeYardReader } from '../../gateway/yard/rebuild.ts';
import { Yard } from '../../gateway/yard/yard.ts';
import {
  DecisionRulesSchema,
  DownlinkConfigSchema,
  StorageConfigSchema,
  UplinkConfigSchema,
} from '../../site-config/schema.ts';
import { smallYardConfig } from '../yard/support.ts';

export const SITE = 'dl';
export const PREFIX = 'central';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export async function until(cond: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The central office: its keys, a client on the central broker, and the acks it receives. */
export interface Central {
  readonly keys: { a: CentralPrivateJwk; b: CentralPrivateJwk };
  readonly client: MqttClient;
  readonly acks: DownlinkAck[];
  readonly records: GatepostRecord[];
  /** Signs and publishes (QoS 1) on `<prefix>/<site>/down/<kind>`, waits for the PUBACK. */
  send(
    claims: Partial<DownlinkClaims> & Pick<DownlinkClaims, 'kind' | 'version' | 'payload'>,
    opts?: {
      key?: CentralPrivateJwk;
      topic?: string;
    },
  ): Promise<DownlinkClaims>;
  /** Publishes raw bytes on a downlink topic. */
  sendRaw(topic: string, payload: string | Buffer): Promise<void>;
  ackOf(envelopeId: string): DownlinkAck | undefined;
  stop(): Promise<void>;
}

let envelopeCount = 0;

export async function startCentral(url: string, site = SITE): Promise<Central> {
  const keys = {
    a: generateCentralKey('central-2026a').privateJwk,
    b: generateCentralKey('central-2026b').privateJwk,
  };
  const client = mqtt.connect(url, {
    clientId: `central-${process.pid}-${Date.now()}`,
    clean: true,
    reconnectPeriod: 200,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const acks: DownlinkAck[] = [];
  const records: GatepostRecord[] = [];
  client.on('message', (_topic, payload) => {
    const rec = JSON.parse(payload.toString()) as GatepostRecord;
    records.push(rec);
    if (rec.type === 'downlink-ack') acks.push(rec.data as DownlinkAck);
  });
  await client.subscribeAsync(`${PREFIX}/${site}/gateway/#`, { qos: 1 });
  const publish = (topic: string, payload: string | Buffer) =>
    new Promise<void>((resolve, reject) =>
      client.publish(topic, payload, { qos: 1 }, (e) => (e ? reject(e) : resolve())),
    );
  return {
    keys,
    client,
    acks,
    records,
    async send(partial, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: DownlinkClaims = {
        id: `env-${process.pid}-${++envelopeCount}`,
        site,
        iat: now,
        exp: now + 3600,
        ...partial,
      };
      const jws = await signEnvelope(claims, opts.key ?? keys.a);
      await publish(opts.topic ?? `${PREFIX}/${claims.site}/down/${claims.kind}`, jws);
      return claims;
    },
    sendRaw: publish,
    ackOf: (id) => acks.find((a) => a.envelopeId === id),
    async stop() {
      await client.endAsync(true);
    },
  };
}

export interface SiteOptions {
  url: string;
  central: Central;
  dir?: string;
  trustListPath?: string;
  /** Pin only these keys (default: both of the central's). */
  pins?: CentralPrivateJwk[];
}

/** A site: a real store, its yard, an uplink to the central broker and the downlink on it. */
export function startSite(o: SiteOptions) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'gatepost-downlink-'));
  const path = join(dir, 'g.db');
  const db = openDatabase(path);
  const log = silentLogger();
  const clock = systemClock;
  const store = new RecordStore({ db, site: SITE, clock, log, groupCommitMs: 2 });
  const storage = startStorage({
    db,
    store,
    config: StorageConfigSchema.parse({ path }),
    site: SITE,
    clock,
    log,
  });
  const writer = {
    record: <D>(stream: string, type: string, data: D) => store.append(stream, type, data),
  };
  const yard = Yard.start({
    config: smallYardConfig({ baySensorBuses: [] }),
    site: SITE,
    clock,
    log,
    writer,
    reader: storeYardReader(db, store),
  });
  const coordinator: CoordinatorContext = { yard, writer, log };
  const rules: DecisionRules = DecisionRulesSchema.parse({});
  const registry = new Registry();
  const statuses: DownlinkStatus[] = [];
  const pins = (o.pins ?? [o.central.keys.a, o.central.keys.b]).map((k) => ({ kid: k.kid, x: k.x }));
  const downlink = new Downlink({
    config: DownlinkConfigSchema.parse({ enabled: true, centralKeys: pins }),
    site: SITE,
    topicPrefix: PREFIX,
    db,
    clock,
    log,
    writer,
    status: {
      async publish(topic, payload) {
        if (topic === `gatepost/${SITE}/gateway/downlink`) statuses.push(payload as DownlinkStatus);
      },
    },
    registry,
    ...(o.trustListPath
      ? { trustList: { path: o.trustListPath, previousPath: `${o.trustListPath}.previous` } }
      : {}),
    rules,
    yard: coordinator,
  });
  const uplink = new Uplink({
    config: UplinkConfigSchema.parse({
      enabled: true,
      url: o.url,
      topicPrefix: PREFIX,
      reconnectMinMs: 100,
      reconnectMaxMs: 400,
      statusIntervalMs: 200,
    }),
    site: SITE,
    store,
    outbox: storage.outbox,
    reclaimer: storage.reclaimer,
    clock,
    log,
    downlink,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await uplink.stop();
    await yard.stop();
    storage.stop();
    store.close();
    db.close();
  };
  const recordsOfType = (type: string) =>
    (
      db.prepare('SELECT data FROM records WHERE type = ? ORDER BY stream, seq').all(type) as {
        data: string;
      }[]
    ).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  return {
    dir,
    db,
    store,
    yard,
    rules,
    registry,
    statuses,
    downlink,
    uplink,
    recordsOfType,
    stop,
    /** Stops and removes the directory. */
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Site = ReturnType<typeof startSite>;
