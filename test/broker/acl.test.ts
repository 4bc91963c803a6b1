import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAcl, filterCovers, mayPublish } from '../../broker/authorizer.ts';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { TOPICS } from '../../gateway/mqtt/topics.ts';
import {
  closed,
  connect,
  grantedQos,
  startBroker,
  stopAll,
  type TestUser,
  waitFor,
  writeUsers,
} from '../support/broker-harness.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * The ACL table, role by role, against a running broker: real mqtt.js clients log in as each role
 * and try the topics that matter. A watcher (anonymous, on loopback) sees what got through.
 */
const USERS: TestUser[] = [
  { name: 'gw-main', role: 'gateway', secret: 'password', password: 'gateway-password-1' },
  { name: 'S1001', role: 'kiosk', lane: 'east-1', secret: 'password', password: 'kiosk-password-01' },
  { name: 'C2001', role: 'coordinator', secret: 'password', password: 'coord-password-01' },
  { name: 'V3001', role: 'viewer', secret: 'password', password: 'viewer-password-1' },
  { name: 'central', role: 'uplink', secret: 'password', password: 'central-password1' },
  { name: 'simtool', role: 'simulator', secret: 'password', password: 'simulator-pass-1' },
];
/** The lowest scrypt cost the users file accepts (broker/password-hash.ts). */
const CHEAP_HASH = { ln: 10, r: 8, p: 1 };
const userOf = (role: string) => USERS.find((u) => u.role === role);

type Who = 'gateway' | 'kiosk' | 'coordinator' | 'viewer' | 'uplink' | 'simulator' | 'loopback';

interface PublishCase {
  who: Who;
  topic: string;
  staffId?: string;
  retain?: boolean;
  allowed: boolean;
}

const PUBLISH: PublishCase[] = [
  { who: 'gateway', topic: 'gatepost/demo/lane/east-1/decision', allowed: true },
  { who: 'gateway', topic: 'gatepost/demo/gateway/state', retain: true, allowed: true },
  { who: 'gateway', topic: 'gatepost/demo/lane/east-1/device/scanner/health', retain: true, allowed: true },
  { who: 'gateway', topic: 'gatepost/demo/lane/east-1/response/barrier', allowed: true },
  { who: 'gateway', topic: 'gatepost/demo/yard/bay/P-0001', retain: true, allowed: true },
  { who: 'gateway', topic: 'gatepost/demo/lane/east-1/request/barrier', staffId: 'gw-main', allowed: false },
  { who: 'gateway', topic: 'gatepost/other-site/lane/east-1/decision', allowed: false },
  { who: 'kiosk', topic: 'gatepost/demo/lane/east-1/request/barrier', staffId: 'S1001', allowed: true },
  { who: 'kiosk', topic: 'gatepost/demo/lane/east-1/request/override', staffId: 'S1001', allowed: true },
  { who: 'kiosk', topic: 'gatepost/demo/lane/east-1/request/barrier', staffId: 'S9999', allowed: false },
  { who: 'kiosk', topic: 'gatepost/demo/lane/east-2/request/barrier', staffId: 'S1001', allowed: false },
  {
    who: 'kiosk',
    topic: 'gatepost/demo/lane/east-1/request/barrier',
    staffId: 'S1001',
    retain: true,
    allowed: false,
  },
  { who: 'kiosk', topic: 'gatepost/demo/lane/east-1/decision', allowed: false },
  { who: 'kiosk', topic: 'gatepost/demo/lane/east-1/device/barrier/health', allowed: false },
  { who: 'kiosk', topic: 'gatepost/demo/yard/request/assign', staffId: 'S1001', allowed: false },
  { who: 'coordinator', topic: 'gatepost/demo/yard/request/assign', staffId: 'C2001', allowed: true },
  { who: 'coordinator', topic: 'gatepost/demo/yard/request/release', staffId: 'S1001', allowed: false },
  { who: 'coordinator', topic: 'gatepost/demo/yard/bay/P-0001', allowed: false },
  {
    who: 'coordinator',
    topic: 'gatepost/demo/lane/east-1/request/barrier',
    staffId: 'C2001',
    allowed: false,
  },
  { who: 'viewer', topic: 'gatepost/demo/lane/east-1/request/barrier', staffId: 'V3001', allowed: false },
  { who: 'viewer', topic: 'gatepost/demo/lane/east-1/state', allowed: false },
  { who: 'uplink', topic: 'gatepost/demo/lane/east-1/decision', allowed: false },
  { who: 'simulator', topic: 'gatepost/demo/sim/scanner/east-1', allowed: true },
  { who: 'simulator', topic: 'gatepost/demo/lane/east-1/scan', allowed: false },
  { who: 'loopback', topic: 'gatepost/demo/lane/east-1/decision', allowed: true },
  { who: 'loopback', topic: '$SYS/fake/heartbeat', allowed: false },
];

const SUBSCRIBE: { who: Who; filter: string; allowed: boolean }[] = [
  { who: 'gateway', filter: 'gatepost/demo/#', allowed: true },
  { who: 'gateway', filter: 'gatepost/demo/lane/+/request/+', allowed: true },
  { who: 'gateway', filter: '#', allowed: false },
  { who: 'kiosk', filter: 'gatepost/demo/lane/east-1/#', allowed: true },
  { who: 'kiosk', filter: 'gatepost/demo/lane/east-1/response/+', allowed: true },
  { who: 'kiosk', filter: 'gatepost/demo/gateway/state', allowed: true },
  { who: 'kiosk', filter: 'gatepost/demo/yard/summary', allowed: true },
  { who: 'kiosk', filter: 'gatepost/demo/lane/east-2/#', allowed: false },
  { who: 'kiosk', filter: 'gatepost/demo/lane/+/state', allowed: false },
  { who: 'kiosk', filter: 'gatepost/demo/yard/bay/+', allowed: false },
  { who: 'kiosk', filter: 'gatepost/demo/#', allowed: false },
  { who: 'coordinator', filter: 'gatepost/demo/yard/#', allowed: true },
  { who: 'coordinator', filter: 'gatepost/demo/lane/+/state', allowed: true },
  { who: 'coordinator', filter: 'gatepost/demo/lane/east-1/#', allowed: false },
  { who: 'viewer', filter: 'gatepost/demo/#', allowed: true },
  { who: 'viewer', filter: '#', allowed: false },
  { who: 'viewer', filter: '$SYS/#', allowed: false },
  { who: 'viewer', filter: 'gatepost/+/lane/#', allowed: false },
  { who: 'uplink', filter: 'gatepost/demo/#', allowed: true },
  { who: 'uplink', filter: '$SYS/#', allowed: true },
  { who: 'simulator', filter: 'gatepost/demo/#', allowed: true },
  { who: 'loopback', filter: '#', allowed: true },
];

let broker: EmbeddedBroker;
let watcher: MqttClient;
const seen: { topic: string; payload: string }[] = [];

beforeAll(async () => {
  const dir = await makeTempDir();
  // Every case logs in anew: the cheapest scrypt cost the broker accepts (ln=10) keeps ~140 logins
  // from being ~140 default-cost hash checks; the logins are checked the same way (broker-harness).
  const usersFile = await writeUsers(dir, USERS, undefined, CHEAP_HASH);
  broker = await startBroker({ usersFile });
  watcher = await connect(broker.url ?? '');
  watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await watcher.subscribeAsync(['#', '$SYS/fake/#'], { qos: 1 });
});

afterAll(async () => {
  await stopAll();
  await removeTempDirs();
});

function login(who: Who) {
  if (who === 'loopback') return {};
  const u = userOf(who);
  if (!u) throw new Error(`no test user for ${who}`);
  return {
    username: u.name,
    password: u.password,
    clientId: `${u.name}-${Math.random().toString(16).slice(2, 10)}`,
  };
}

/** A round trip through the watcher: anything published before it has been routed by now. */
async function settle(): Promise<void> {
  const marker = `settle-${Math.random()}`;
  watcher.publish('gatepost/demo/test/settle', marker, { qos: 1 });
  await waitFor(() => seen.some((m) => m.payload === marker), 3000, 'the settle marker');
}

describe('topic ACLs per role, on a running broker', () => {
  it.each(PUBLISH)(
    '$who publish $topic (staffId $staffId, retain $retain) → allowed: $allowed',
    async (c) => {
      const client = await connect(broker.url ?? '', login(c.who));
      const nonce = Math.random().toString(16).slice(2);
      const payload = JSON.stringify({
        nonce,
        ...(c.staffId ? { staffId: c.staffId, transaction: 't1' } : {}),
      });
      const before = broker.refusals().publish;
      client.publish(c.topic, payload, { qos: 1, retain: c.retain === true });
      if (c.allowed) {
        await waitFor(
          () => seen.some((m) => m.topic === c.topic && m.payload === payload),
          3000,
          'the publish',
        );
        expect(client.connected).toBe(true);
        expect(broker.refusals().publish).toBe(before);
      } else {
        expect(await closed(client)).toBe(true);
        await settle();
        expect(seen.some((m) => m.payload === payload)).toBe(false);
        expect(broker.refusals().publish).toBe(before + 1);
      }
    },
  );

  it.each(SUBSCRIBE)('$who subscribe $filter → allowed: $allowed', async (c) => {
    const client = await connect(broker.url ?? '', login(c.who));
    const before = broker.refusals().subscribe;
    expect(await grantedQos(client, c.filter)).toEqual([c.allowed ? 1 : 128]);
    expect(broker.refusals().subscribe).toBe(before + (c.allowed ? 0 : 1));
    // A refused subscription is not a reason to drop the client.
    expect(client.connected).toBe(true);
  });

  it('a denied subscription delivers nothing: the kiosk of east-1 does not hear east-2', async () => {
    const kiosk = await connect(broker.url ?? '', login('kiosk'));
    const got: string[] = [];
    kiosk.on('message', (t) => got.push(t));
    const filters = ['gatepost/demo/lane/east-1/state', 'gatepost/demo/lane/east-2/state'];
    expect(await grantedQos(kiosk, filters)).toEqual([1, 128]);
    const gateway = await connect(broker.url ?? '', login('gateway'));
    await gateway.publishAsync('gatepost/demo/lane/east-2/state', '{}', { qos: 1 });
    await gateway.publishAsync('gatepost/demo/lane/east-1/state', '{}', { qos: 1 });
    await waitFor(() => got.includes('gatepost/demo/lane/east-1/state'), 3000, 'east-1 state');
    expect(got).toEqual(['gatepost/demo/lane/east-1/state']);
  });
});

describe('filter coverage', () => {
  const covers = (allowed: string, requested: string) =>
    filterCovers(allowed.split('/'), requested.split('/'));
  it.each([
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/#', 'a/+/c', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/+', false],
    ['a/+/c', 'a/+/+', false],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/broker/heartbeat', true],
  ] as const)('%s covers %s: %s', (allowed, requested, expected) => {
    expect(covers(allowed, requested)).toBe(expected);
  });

  it('a `{site}` left open matches one level, and a strange name never widens a rule', () => {
    const open = compileAcl(GATEPOST_ACL, 'viewer', { site: undefined, username: 'v', lane: undefined })!;
    expect(open.subscribe).toEqual([['gatepost', '+', '#']]);
    const sneaky = compileAcl(GATEPOST_ACL, 'kiosk', { site: 'demo', username: 'a-#', lane: 'east-1/#' })!;
    // The lane's rules are gone, the card requests too (they must name the kiosk's lane).
    expect(sneaky.publish).toEqual([]);
    expect(sneaky.subscribe).toEqual([
      ['gatepost', 'demo', 'gateway', 'state'],
      ['gatepost', 'demo', 'gateway', 'uplink'],
      ['gatepost', 'demo', 'gateway', 'storage'],
      ['gatepost', 'demo', 'gateway', 'alarm'],
      ['gatepost', 'demo', 'yard', 'summary'],
      ['gatepost', 'demo', 'gateway', 'downlink'],
      ['gatepost', 'demo', 'cards', 'response', '+'],
      ['gatepost', 'demo', 'printer', '+', 'health'],
    ]);
  });
});

describe('the ACL table against the topic tree', () => {
  const sample: Record<string, string> = { site: 'demo', lane: 'east-1', device: 'scanner', bay: 'P-0001' };
  const fill = (pattern: string) =>
    pattern.replace(/\{(\w+)\}/g, (_, k: string) => sample[k] ?? (k === 'action' ? 'barrier' : `x-${k}`));
  const acl = (role: string, username: string, lane?: string) =>
    compileAcl(GATEPOST_ACL, role, { site: 'demo', username, lane })!;
  const roles = {
    gateway: acl('gateway', 'gw-main'),
    kiosk: acl('kiosk', 'S1001', 'east-1'),
    otherKiosk: acl('kiosk', 'S1002', 'east-2'),
    coordinator: acl('coordinator', 'C2001'),
    viewer: acl('viewer', 'V3001'),
    uplink: acl('uplink', 'central'),
  };
  const topics = Object.entries(TOPICS);

  it.each(topics)('%s: only its publisher may publish it', (_name, def) => {
    const topic = fill(def.pattern);
    // Each user's request names the user and, as a kiosk's must, the user's own lane.
    const laneOf: Partial<Record<keyof typeof roles, string>> = { kiosk: 'east-1', otherKiosk: 'east-2' };
    const who = (r: keyof typeof roles, user: string) =>
      mayPublish(
        roles[r],
        user,
        topic,
        JSON.stringify({ staffId: user, data: laneOf[r] ? { lane: laneOf[r] } : {} }),
        def.retained,
      ).ok;
    const allowed = {
      gateway: who('gateway', 'gw-main'),
      kiosk: who('kiosk', 'S1001'),
      otherKiosk: who('otherKiosk', 'S1002'),
      coordinator: who('coordinator', 'C2001'),
      viewer: who('viewer', 'V3001'),
      uplink: who('uplink', 'central'),
    };
    expect(allowed).toEqual({
      gateway: def.publisher === 'gateway',
      kiosk: def.publisher === 'staff' || def.publisher === 'staff or coordinator',
      // A topic of the site's, not of a lane (the card requests): any lane's kiosk.
      otherKiosk: def.publisher === 'staff or coordinator',
      coordinator: def.publisher === 'coordinator' || def.publisher === 'staff or coordinator',
      viewer: false,
      uplink: false,
    });
  });

  it("a kiosk's card requests must name its own lane; a coordinator's need none", () => {
    const card = (role: keyof typeof roles, user: string, data: unknown) =>
      mayPublish(
        roles[role],
        user,
        'gatepost/demo/cards/request/revoke',
        JSON.stringify({ staffId: user, data }),
        false,
      );
    expect(card('kiosk', 'S1001', { cardId: 'card-0123456789abcdef', lane: 'east-1' }).ok).toBe(true);
    for (const data of [
      { cardId: 'card-0123456789abcdef', lane: 'east-2' },
      { cardId: 'card-0123456789abcdef' },
      { cardId: 'card-0123456789abcdef', lane: ['east-1'] },
      { cardId: 'card-0123456789abcdef', lane: { toString: 'east-1' } },
      'east-1',
      null,
    ]) {
      const verdict = card('kiosk', 'S1001', data);
      expect(verdict, JSON.stringify(data)).toEqual({
        ok: false,
        reason: `payload field "data.lane" must name the publishing user's lane`,
      });
    }
    // An inherited property is not the payload's: a prototype trick names no lane.
    const proto = mayPublish(
      roles.kiosk,
      'S1001',
      'gatepost/demo/cards/request/revoke',
      '{"staffId":"S1001","data":{"__proto__":{"lane":"east-1"}}}',
      false,
    );
    expect(proto.ok).toBe(false);
    // The owner is checked as before: another person's request is refused whatever its lane.
    const onBehalf = JSON.stringify({ staffId: 'S1002', data: { lane: 'east-1' } });
    expect(mayPublish(roles.kiosk, 'S1001', 'gatepost/demo/cards/request/revoke', onBehalf, false)).toEqual({
      ok: false,
      reason: 'payload field "staffId" must name the publishing user',
    });
    expect(card('coordinator', 'C2001', { cardId: 'card-0123456789abcdef' }).ok).toBe(true);
    // A kiosk user without a lane has no card rule at all.
    expect(
      compileAcl(GATEPOST_ACL, 'kiosk', { site: 'demo', username: 'S1003', lane: undefined })?.publish,
    ).toEqual([]);
  });

  it('docs/security.md lists every rule of the table', () => {
    const doc = readFileSync('docs/security.md', 'utf8');
    for (const [role, r] of Object.entries(GATEPOST_ACL)) {
      expect(doc, role).toContain(`| \`${role}\` |`);
      for (const p of r.publish) expect(doc, role).toContain(`\`${typeof p === 'string' ? p : p.topic}\``);
      for (const s of r.subscribe) expect(doc, role).toContain(`\`${s}\``);
    }
  });
});
