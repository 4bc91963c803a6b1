import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { IClientOptions } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { CardIssuer } from '../../gateway/cards/card-issuer.ts';
import { type CardReply, serveCardRequests } from '../../gateway/cards/card-requests.ts';
import { CardStore, type StoredCard } from '../../gateway/cards/card-store.ts';
import { CardTrucks } from '../../gateway/cards/card-trucks.ts';
import { ephemeralSiteKey } from '../../gateway/cards/site-key.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { CardsConfigSchema } from '../../site-config/cards-config.ts';
import {
  closed,
  connect,
  startBroker,
  stopAll,
  type TestUser,
  waitFor,
  writeUsers,
} from '../support/broker-harness.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * A will is authorized again when it fires, but against the rights of when its client connected.
 * When the users file moves a kiosk user to another lane, or removes it, the broker closes its
 * connections and Aedes then publishes their wills: a card request naming the old lane, in the
 * name of a user now bound to east-2 (or gone), was accepted by the broker and acted on by the
 * gateway (found by a hostile pass, 2026-12-07). The broker now marks the closed connections
 * revoked and refuses what they still publish (broker/security.ts). Real broker, real MQTT, the
 * real card handler and SQLite store.
 */
const CHEAP_HASH = { ln: 10, r: 8, p: 1 };
const KIOSK: TestUser = {
  name: 'S1001',
  role: 'kiosk',
  lane: 'east-1',
  secret: 'password',
  password: 'kiosk-pass-0001',
};
const OTHER: TestUser = {
  name: 'S1002',
  role: 'kiosk',
  lane: 'east-2',
  secret: 'password',
  password: 'kiosk-pass-0002',
};
const COORD: TestUser = {
  name: 'C2001',
  role: 'coordinator',
  secret: 'password',
  password: 'coord-pass-0001',
};

/** A card of east-1 (the kiosk's own) and one of east-2 (the target). */
const OWN_CARD = 'card-0000000000000e01';
const TARGET = 'card-0000000000000e02';
const OWN_CARD_2 = 'card-0000000000000e11';
const OWN_CARD_3 = 'card-0000000000000e21';
const REVOKE = 'gatepost/demo/cards/request/revoke';

let dir = '';
let usersFile = '';
let broker: EmbeddedBroker;
let db: Database;
let store: CardStore;
let issuer: CardIssuer;
const audit: { type: string; data: unknown }[] = [];
const writer = {
  record: async (_stream: string, type: string, data: unknown) => {
    audit.push({ type, data });
  },
};
const replies: { topic: string; reply: CardReply }[] = [];
let seq = 0;

const storedCard = (id: string, lane: string, plate: string): StoredCard => ({
  id,
  kid: 'site:demo:test',
  plate,
  color: 'green',
  lane,
  transitId: `tr-${id}`,
  issuedAt: Date.now(),
  validUntil: Date.now() + 3_600_000,
  code: `GP1:h.${id}.s`,
});

beforeAll(async () => {
  dir = await makeTempDir();
  usersFile = await writeUsers(dir, [KIOSK, OTHER, COORD], undefined, CHEAP_HASH);
  db = openDatabase(join(dir, 'gatepost.db'));
  store = new CardStore(db);
  store.insert(storedCard(OWN_CARD, 'east-1', '苏E00001'));
  store.insert(storedCard(TARGET, 'east-2', '苏E00002'));
  store.insert(storedCard(OWN_CARD_2, 'east-1', '苏E00011'));
  store.insert(storedCard(OWN_CARD_3, 'east-1', '苏E00021'));
  const log = silentLogger();
  issuer = new CardIssuer({
    site: { id: 'demo', name: 'Demo' },
    config: CardsConfigSchema.parse({}),
    key: await ephemeralSiteKey('demo'),
    store,
    trucks: new CardTrucks(db, undefined),
    printers: { byId: () => undefined, serving: () => undefined },
    writer,
    clock: systemClock,
    log,
  });
});

afterAll(async () => {
  await stopAll();
  db?.close();
  await removeTempDirs();
});

/** One broker per test (a test may change its users file), with the gateway's card handler on it. */
async function startSite(extra: { filePollMs?: number } = {}) {
  broker = await startBroker({ usersFile, allowAnonymousLoopback: false, ...extra });
  const gw = await connect(broker.url ?? '', {
    ...broker.gatewayCredentials,
    clientId: 'gatepost-demo-gateway',
  });
  await serveCardRequests(
    {
      subscribe: async (filter, onMessage) => {
        gw.on('message', (topic, payload) => {
          if (topic.startsWith('gatepost/demo/cards/request/')) onMessage(topic, payload);
        });
        await gw.subscribeAsync(filter, { qos: 1 });
      },
      publish: async (topic, payload) => {
        replies.push({ topic, reply: payload as CardReply });
        await gw.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
      },
    },
    'demo',
    { issuer, writer, log: silentLogger() },
  );
}
afterEach(stopAll);

const login = (u: TestUser, clientId = `${u.name}-${++seq}`): IClientOptions => ({
  username: u.name,
  password: u.password,
  clientId,
});

type Outcome = 'acked' | 'refused' | 'dropped';

/**
 * Publishes as `u` on a fresh connection: 'acked' when the broker let it through (PUBACK/PUBCOMP,
 * or for QoS 0 the connection survives a round trip), 'refused' when it closed the connection and
 * counted an ACL refusal, 'dropped' when it closed it without one (a protocol error).
 */
async function publishAs(
  payload: string | Buffer,
  o: { topic?: string; qos?: 0 | 1 | 2; retain?: boolean; user?: TestUser; url?: string } = {},
): Promise<Outcome> {
  const client = await connect(o.url ?? broker.url ?? '', login(o.user ?? KIOSK));
  const before = broker.refusals().publish;
  const qos = o.qos ?? 1;
  const acked = new Promise<Outcome>((resolve) =>
    client.publish(o.topic ?? REVOKE, payload, { qos, retain: o.retain === true }, (err) => {
      if (err) return;
      // QoS 0 has no ack: a round trip that only a live connection answers.
      if (qos === 0) client.subscribe('gatepost/demo/gateway/state', (e) => !e && resolve('acked'));
      else resolve('acked');
    }),
  );
  const shut = closed(client, 5000).then((c) => (c ? ('refused' as const) : ('acked' as const)));
  const outcome = await Promise.race([acked, shut]);
  if (outcome === 'refused') {
    // Closed by the broker's ACL (counted), or by a protocol error (not counted).
    const counted = await waitFor(() => broker.refusals().publish > before, 1000).then(
      () => true,
      () => false,
    );
    return counted ? 'refused' : 'dropped';
  }
  return outcome;
}

const env = (data: Record<string, unknown>, transaction = `t-${++seq}`, staffId = 'S1001') =>
  JSON.stringify({ transaction, staffId, data });

/** A legitimate request, answered by the gateway: anything published before it has been handled. */
async function _settle(): Promise<void> {
  const transaction = `settle-${++seq}`;
  const payload = env({ cardId: 'card-0000000000000000', reason: 'settle', lane: 'east-1' }, transaction);
  expect(await publishAs(payload)).toBe('acked');
  await waitFor(() => replies.some((r) => r.reply.transaction === transaction), 5000, 'the settle reply');
}

const replyTo = (transaction: string) => replies.find((r) => r.reply.transaction === transaction)?.reply;
const _targetRevoked = () => store.get(TARGET)?.revokedAt !== undefined;

describe('stale authorization: a will set while bound to east-1, published after the user was moved', () => {
  it('a kiosk moved from east-1 to east-2 (its connection closed by the broker) gets no east-1 card action through its will', async () => {
    usersFile = await writeUsers(dir, [KIOSK, OTHER, COORD], undefined, CHEAP_HASH);
    await startSite({ filePollMs: 100 });
    const t = `will-${++seq}`;
    const will = {
      topic: REVOKE,
      payload: Buffer.from(env({ cardId: OWN_CARD_2, reason: 'lost', lane: 'east-1' }, t)),
      qos: 1 as const,
      retain: false,
    };
    const client = await connect(broker.url ?? '', { ...login(KIOSK), will });
    // The administrator moves S1001 to east-2: the broker closes S1001's connections.
    await writeUsers(dir, [{ ...KIOSK, lane: 'east-2' }, OTHER, COORD], undefined, CHEAP_HASH);
    expect(await closed(client, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    // S1001 is now bound to east-2; an east-1 card action in its name must not happen.
    expect(replyTo(t)).toBeUndefined();
    expect(store.get(OWN_CARD_2)?.revokedAt).toBeUndefined();
  }, 30_000);

  it('a kiosk removed from the users file gets no card action through its will', async () => {
    usersFile = await writeUsers(dir, [KIOSK, OTHER, COORD], undefined, CHEAP_HASH);
    await startSite({ filePollMs: 100 });
    const t = `will-${++seq}`;
    const will = {
      topic: REVOKE,
      payload: Buffer.from(env({ cardId: OWN_CARD_3, reason: 'lost', lane: 'east-1' }, t)),
      qos: 1 as const,
      retain: false,
    };
    const client = await connect(broker.url ?? '', { ...login(KIOSK), will });
    await writeUsers(dir, [OTHER, COORD], undefined, CHEAP_HASH);
    expect(await closed(client, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(replyTo(t)).toBeUndefined();
    expect(store.get(OWN_CARD_3)?.revokedAt).toBeUndefined();
  }, 30_000);
});
