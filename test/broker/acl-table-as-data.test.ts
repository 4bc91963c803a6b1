import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AclTable, OWN_CLIENT_IDS } from '../../broker/acl-table.ts';
import { INTERNAL_GATEWAY_USER } from '../../broker/authenticate.ts';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import {
  closed,
  connect,
  grantedQos,
  refusal,
  startBroker,
  stopAll,
  type TestUser,
  waitFor,
  writeUsers,
} from '../support/broker-harness.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * The broker knows no topics of its own: it enforces the table it is started with. Here a made-up
 * table of a factory (no lanes, no yard, no `gatepost/` tree, no `loopback` row) on a running
 * broker, with real mqtt.js clients: its rules hold, and Gatepost's do not.
 */
const PLANT: AclTable = {
  operator: {
    description: "An operator at one line's panel: that line's commands; reads that line",
    publish: [{ topic: 'plant/{site}/line/{lane}/command/+', ownerField: 'operatorId' }],
    subscribe: ['plant/{site}/line/{lane}/#'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: false,
    throttled: true,
    needsLane: true,
    assignable: true,
  },
  monitor: {
    description: 'The control room: reads the whole plant',
    publish: [],
    subscribe: ['plant/{site}/#'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: false,
    throttled: false,
    needsLane: false,
    assignable: true,
  },
};

const OPERATOR: TestUser = {
  name: 'op-7',
  role: 'operator',
  lane: 'line-a',
  secret: 'password',
  password: 'operator-pass-01',
};
const MONITOR: TestUser = { name: 'room', role: 'monitor', secret: 'password', password: 'monitor-pass-001' };
const NOT_AUTHORIZED = 5;

let dir: string;
let broker: EmbeddedBroker;
let monitor: MqttClient;
const seen: { topic: string; payload: string }[] = [];
const asOperator = () =>
  connect(broker.url ?? '', { username: OPERATOR.name, password: OPERATOR.password, clientId: 'op-7-panel' });

beforeAll(async () => {
  dir = await makeTempDir();
  const usersFile = await writeUsers(dir, [OPERATOR, MONITOR]);
  broker = await startBroker({ usersFile, site: 'north', acl: PLANT, allowAnonymousLoopback: true });
  monitor = await connect(broker.url ?? '', {
    username: MONITOR.name,
    password: MONITOR.password,
    clientId: 'room',
  });
  monitor.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  expect(await grantedQos(monitor, 'plant/north/#')).toEqual([1]);
});

afterEach(() => {
  seen.length = 0;
});

afterAll(async () => {
  await stopAll();
  await removeTempDirs();
});

describe('the broker with a table it was given, not Gatepost’s', () => {
  it('lets an operator command its own line in its own name, and the control room hears it', async () => {
    const op = await asOperator();
    const payload = JSON.stringify({ operatorId: 'op-7', speed: 3 });
    await op.publishAsync('plant/north/line/line-a/command/speed', payload, { qos: 1 });
    await waitFor(() => seen.some((m) => m.payload === payload), 3000, 'the command');
    expect(seen.map((m) => m.topic)).toEqual(['plant/north/line/line-a/command/speed']);
    expect(op.connected).toBe(true);
  });

  it.each([
    ['another line', 'plant/north/line/line-b/command/speed', 'op-7'],
    ['another operator’s name', 'plant/north/line/line-a/command/speed', 'op-8'],
    ['a Gatepost kiosk’s topic', 'gatepost/north/lane/line-a/request/barrier', 'op-7'],
  ])('closes an operator publishing on %s', async (_what, topic, operatorId) => {
    const op = await asOperator();
    const before = broker.refusals().publish;
    op.publish(topic, JSON.stringify({ operatorId, staffId: operatorId }), { qos: 1 });
    expect(await closed(op)).toBe(true);
    expect(broker.refusals().publish).toBe(before + 1);
  });

  it("grants only the table's filters: its own line, never Gatepost's tree or the whole broker", async () => {
    const op = await asOperator();
    expect(await grantedQos(op, ['plant/north/line/line-a/#', 'plant/north/line/line-b/#'])).toEqual([
      1, 128,
    ]);
    expect(await grantedQos(monitor, ['gatepost/north/#', '#'])).toEqual([128, 128]);
  });

  it('has no `loopback` row, so an anonymous client on this box is refused though allowed by the options', async () => {
    expect(await refusal(broker.url ?? '')).toBe(NOT_AUTHORIZED);
  });

  it('refuses to start for a gateway process when the table has no `gateway` row for its own client', async () => {
    await expect(startBroker({ acl: PLANT, gatewayUser: INTERNAL_GATEWAY_USER })).rejects.toSatisfy(
      (e) => isGatepostError(e, ErrorCode.ConfigInvalid) && /no "gateway" role/.test(e.message),
    );
  });

  it("refuses to start with a users file naming a role the table does not have (Gatepost's kiosk)", async () => {
    const kiosk: TestUser = {
      name: 'S1001',
      role: 'kiosk',
      lane: 'east-1',
      secret: 'password',
      password: 'kiosk-password-01',
    };
    const usersFile = await writeUsers(dir, [kiosk], 'kiosk-users.json');
    await expect(startBroker({ usersFile, acl: PLANT })).rejects.toSatisfy(
      (e) => isGatepostError(e, ErrorCode.ConfigInvalid) && /unknown role "kiosk"/.test(e.message),
    );
  });
});
