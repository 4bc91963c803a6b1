import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { IClientOptions } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { EmbeddedBroker } from '../../../broker/embedded-broker.ts';
import { systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { CardIssuer } from '../../../gateway/cards/card-issuer.ts';
import { type CardReply, serveCardRequests } from '../../../gateway/cards/card-requests.ts';
import { CardStore, type StoredCard } from '../../../gateway/cards/card-store.ts';
import { CardTrucks } from '../../../gateway/cards/card-trucks.ts';
import { ephemeralSiteKey } from '../../../gateway/cards/site-key.ts';
import { openDatabase } from '../../../gateway/store/database.ts';
import { CardsConfigSchema } from '../../../site-config/cards-config.ts';
import {
  closed,
  connect,
  startBroker,
  stopAll,
  type TestUser,
  waitFor,
  writeUsers,
} from '../../support/broker-harness.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';

/**
 * The site of the hostile "cards per lane" tests: kiosk S1001 bound to east-1, kiosk S1002 bound
 * to east-2 and a coordinator in a users file; a real SQLite card store holding an east-1 card
 * (the kiosk's own) and an east-2 card (the target); the real card issuer and request handler
 * behind a gateway-role client on a real embedded broker, one broker per test.
 */
export const CHEAP_HASH = { ln: 10, r: 8, p: 1 };
export const KIOSK: TestUser = {
  name: 'S1001',
  role: 'kiosk',
  lane: 'east-1',
  secret: 'password',
  password: 'kiosk-pass-0001',
};
export const OTHER: TestUser = {
  name: 'S1002',
  role: 'kiosk',
  lane: 'east-2',
  secret: 'password',
  password: 'kiosk-pass-0002',
};
export const COORD: TestUser = {
  name: 'C2001',
  role: 'coordinator',
  secret: 'password',
  password: 'coord-pass-0001',
};

/** A card of east-1 (the kiosk's own) and one of east-2 (the target). */
export const OWN_CARD = 'card-0000000000000e01';
export const TARGET = 'card-0000000000000e02';
export const REVOKE = 'gatepost/demo/cards/request/revoke';

export type Outcome = 'acked' | 'refused' | 'dropped';

export interface PublishOptions {
  topic?: string;
  qos?: 0 | 1 | 2;
  retain?: boolean;
  user?: TestUser;
  url?: string;
}

/** A card to put in the store beside OWN_CARD and TARGET. */
export interface ExtraCard {
  id: string;
  lane: string;
  plate: string;
}

export interface CardLaneSite {
  /** The temp dir of the users file and the SQLite store, set once the file's tests run. */
  readonly dir: string;
  /** The users file the next `startSite` serves (a test may write it again). */
  usersFile: string;
  /** The broker of the running test, set by `startSite`. */
  readonly broker: EmbeddedBroker;
  readonly store: CardStore;
  /** Every reply the gateway published, in order. */
  readonly replies: { topic: string; reply: CardReply }[];
  /** The next number of the file's one sequence (client ids, transactions). */
  next(): number;
  /** One broker per test (a test may change its users file), with the gateway's card handler on it. */
  startSite(extra?: { filePollMs?: number }): Promise<void>;
  login(u: TestUser, clientId?: string): IClientOptions;
  /**
   * Publishes as `u` on a fresh connection: 'acked' when the broker let it through (PUBACK/PUBCOMP,
   * or for QoS 0 the connection survives a round trip), 'refused' when it closed the connection and
   * counted an ACL refusal, 'dropped' when it closed it without one (a protocol error).
   */
  publishAs(payload: string | Buffer, o?: PublishOptions): Promise<Outcome>;
  /** A card request envelope, in S1001's name unless `staffId` says otherwise. */
  env(data: Record<string, unknown>, transaction?: string, staffId?: string): string;
  /** A legitimate request, answered by the gateway: anything published before it has been handled. */
  settle(): Promise<void>;
  replyTo(transaction: string): CardReply | undefined;
  targetRevoked(): boolean;
  /** The broker refused it, the gateway never answered it, the east-2 card is untouched. */
  expectBrokerRefuses(payload: string | Buffer, transaction: string, o?: PublishOptions): Promise<void>;
  /**
   * The broker let it through; the gateway refused it with `code`; the east-2 card is untouched.
   * `transaction` '' for payloads the gateway cannot read an envelope from (its reply echoes none).
   */
  expectGatewayRefuses(
    payload: string | Buffer,
    transaction: string,
    code: number,
    o?: PublishOptions,
  ): Promise<CardReply | undefined>;
}

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

/**
 * The set-up of a card lane test file: the users file and the card store (with `extraCards`)
 * made before its tests; every broker and client a test started, stopped after it; the store
 * closed and the temp dirs removed at the end.
 */
export function cardLaneSite(extraCards: ExtraCard[] = []): CardLaneSite {
  let dir = '';
  let broker: EmbeddedBroker | undefined;
  let db: Database | undefined;
  let store: CardStore | undefined;
  let issuer: CardIssuer;
  const audit: { type: string; data: unknown }[] = [];
  const writer = {
    record: async (_stream: string, type: string, data: unknown) => {
      audit.push({ type, data });
    },
  };
  const replies: { topic: string; reply: CardReply }[] = [];
  let seq = 0;
  const next = () => ++seq;

  beforeAll(async () => {
    dir = await makeTempDir();
    site.usersFile = await writeUsers(dir, [KIOSK, OTHER, COORD], undefined, CHEAP_HASH);
    db = openDatabase(join(dir, 'gatepost.db'));
    store = new CardStore(db);
    store.insert(storedCard(OWN_CARD, 'east-1', '苏E00001'));
    store.insert(storedCard(TARGET, 'east-2', '苏E00002'));
    for (const c of extraCards) store.insert(storedCard(c.id, c.lane, c.plate));
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

  afterEach(stopAll);

  const running = (): EmbeddedBroker => {
    if (!broker) throw new Error('no broker: startSite() first');
    return broker;
  };
  const opened = (): CardStore => {
    if (!store) throw new Error('no card store before the tests run');
    return store;
  };

  const login = (u: TestUser, clientId = `${u.name}-${next()}`): IClientOptions => ({
    username: u.name,
    password: u.password,
    clientId,
  });

  const env = (data: Record<string, unknown>, transaction = `t-${next()}`, staffId = 'S1001') =>
    JSON.stringify({ transaction, staffId, data });

  const replyTo = (transaction: string) => replies.find((r) => r.reply.transaction === transaction)?.reply;
  const targetRevoked = () => opened().get(TARGET)?.revokedAt !== undefined;

  async function startSite(extra: { filePollMs?: number } = {}) {
    broker = await startBroker({ usersFile: site.usersFile, allowAnonymousLoopback: false, ...extra });
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

  async function publishAs(payload: string | Buffer, o: PublishOptions = {}): Promise<Outcome> {
    const b = running();
    const client = await connect(o.url ?? b.url ?? '', login(o.user ?? KIOSK));
    const before = b.refusals().publish;
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
      const counted = await waitFor(() => b.refusals().publish > before, 1000).then(
        () => true,
        () => false,
      );
      return counted ? 'refused' : 'dropped';
    }
    return outcome;
  }

  async function settle(): Promise<void> {
    const transaction = `settle-${next()}`;
    const payload = env({ cardId: 'card-0000000000000000', reason: 'settle', lane: 'east-1' }, transaction);
    expect(await publishAs(payload)).toBe('acked');
    await waitFor(() => replies.some((r) => r.reply.transaction === transaction), 5000, 'the settle reply');
  }

  async function expectBrokerRefuses(payload: string | Buffer, transaction: string, o: PublishOptions = {}) {
    expect(await publishAs(payload, o)).toBe('refused');
    await settle();
    expect(replyTo(transaction)).toBeUndefined();
    expect(targetRevoked()).toBe(false);
  }

  async function expectGatewayRefuses(
    payload: string | Buffer,
    transaction: string,
    code: number,
    o: PublishOptions = {},
  ) {
    const from = replies.length;
    const reply = () => replies.slice(from).find((r) => r.reply.transaction === transaction)?.reply;
    expect(await publishAs(payload, o)).toBe('acked');
    await waitFor(() => reply() !== undefined, 5000, `the reply to "${transaction}"`);
    expect(reply()).toMatchObject({ status: 'error', data: { code } });
    expect(targetRevoked()).toBe(false);
    return reply();
  }

  const site: CardLaneSite = {
    get dir() {
      return dir;
    },
    usersFile: '',
    next,
    startSite,
    get broker() {
      return running();
    },
    login,
    publishAs,
    env,
    get store() {
      return opened();
    },
    replies,
    settle,
    replyTo,
    targetRevoked,
    expectBrokerRefuses,
    expectGatewayRefuses,
  };
  return site;
}
