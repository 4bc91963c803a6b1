import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import {
  brokerSuite,
  closed,
  connackCode,
  connect,
  connectPacket,
  grantedQos,
  KIOSK_EAST_1,
  publishPacket,
  publishQos2Packet,
  rawClient,
  remainingLength,
  startBroker,
  subscribePacket,
  type TestUser,
  VIEWER,
  VIEWER_LOGIN,
  waitFor,
} from '../support/broker-harness.ts';

/**
 * Protocol limits: oversized, malformed and over-deep packets end the offending connection
 * before anything is published, and nobody else notices; floods are slowed down and slow
 * readers dropped, so neither can starve the gateway.
 */
const USERS: TestUser[] = [
  KIOSK_EAST_1,
  VIEWER,
  { name: 'V3002', role: 'viewer', secret: 'password', password: 'viewer-password-2' },
];
const viewer = VIEWER_LOGIN;

const suite = brokerSuite(USERS);

/** A watcher on '#' and a second, innocent client that must not notice anything. */
async function bystanders(broker: EmbeddedBroker) {
  const url = broker.url ?? '';
  const watcher = await connect(url);
  const seen: string[] = [];
  watcher.on('message', (t, p) => seen.push(`${t} ${p.length}`));
  await watcher.subscribeAsync('#', { qos: 1 });
  const innocent = await connect(url);
  /** The innocent client can still publish and the watcher still receives. */
  const stillFine = async () => {
    const marker = `fine-${Math.random()}`;
    await innocent.publishAsync('gatepost/demo/test/fine', marker, { qos: 1 });
    await waitFor(
      () => seen.includes(`gatepost/demo/test/fine ${marker.length}`),
      3000,
      'the innocent publish',
    );
    expect(watcher.connected && innocent.connected).toBe(true);
  };
  return { seen, stillFine };
}

describe('packet limits', () => {
  it('closes a client whose packet is over maxPacketBytes, before reading its body', async () => {
    const broker = await startBroker({ maxPacketBytes: 64 * 1024 });
    const { seen, stillFine } = await bystanders(broker);
    const big = await connect(broker.url ?? '');
    big.publish('gatepost/demo/test/big', Buffer.alloc(100 * 1024, 1), { qos: 1 });
    expect(await closed(big)).toBe(true);
    await stillFine();
    expect(seen.some((s) => s.startsWith('gatepost/demo/test/big'))).toBe(false);

    // Only the header of a 10 MB packet: refused at once, the 10 MB never awaited.
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(connectPacket({ clientId: 'raw-big', clean: true }));
    await waitFor(() => connackCode(raw.received()) === 0, 3000, 'a CONNACK');
    raw.socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(10_000_000)]));
    await raw.closed;
    expect(broker.refusals().packet).toBe(2);
    await stillFine();
  });

  it('closes a client that sends a broken remaining length, a reserved packet type, or no CONNECT first', async () => {
    const broker = await startBroker();
    const { stillFine } = await bystanders(broker);
    const port = broker.tcpPort ?? 0;

    const badLength = await rawClient(port);
    badLength.socket.write(connectPacket({ clientId: 'raw-1', clean: true }));
    await waitFor(() => connackCode(badLength.received()) === 0, 3000, 'a CONNACK');
    badLength.socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    await badLength.closed;

    const reserved = await rawClient(port);
    reserved.socket.write(connectPacket({ clientId: 'raw-2', clean: true }));
    await waitFor(() => connackCode(reserved.received()) === 0, 3000, 'a CONNACK');
    reserved.socket.write(Buffer.from([0xf0, 0x00]));
    await reserved.closed;

    const noConnect = await rawClient(port);
    noConnect.socket.write(publishPacket('gatepost/demo/test/sneaky', 'x'));
    await noConnect.closed;
    expect(noConnect.received().length).toBe(0);

    expect(broker.refusals().packet).toBe(3);
    await stillFine();
  });

  it('closes a client whose CONNECT the MQTT parser rejects, and counts it', async () => {
    const broker = await startBroker();
    const { stillFine } = await bystanders(broker);
    const raw = await rawClient(broker.tcpPort ?? 0);
    // A CONNECT with protocol name "XQTT" and a reserved flag set.
    const body = Buffer.from([0, 4, 0x58, 0x51, 0x54, 0x54, 4, 0x03, 0, 30, 0, 1, 0x61]);
    raw.socket.write(Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]));
    await raw.closed;
    expect(connackCode(raw.received())).toBeUndefined();
    await waitFor(() => broker.refusals().protocol === 1, 3000, 'the protocol error count');
    await stillFine();
  });
});

describe('topic and session limits', () => {
  it('closes a client that publishes or subscribes deeper than maxTopicDepth', async () => {
    const broker = await startBroker({ limits: { maxTopicDepth: 8 } });
    const { seen, stillFine } = await bystanders(broker);
    const deep = 'gatepost/demo/a/b/c/d/e/f/g';
    const publisher = await connect(broker.url ?? '');
    publisher.publish(deep, 'x', { qos: 1 });
    expect(await closed(publisher)).toBe(true);
    const subscriber = await connect(broker.url ?? '');
    subscriber.subscribe(`${deep}/#`, { qos: 1 });
    expect(await closed(subscriber)).toBe(true);
    await stillFine();
    expect(seen.some((s) => s.startsWith(deep))).toBe(false);
  });

  it('refuses subscriptions beyond maxSubscriptionsPerClient, and frees a slot on unsubscribe', async () => {
    const broker = await startBroker({ limits: { maxSubscriptionsPerClient: 3 } });
    const client = await connect(broker.url ?? '');
    expect(await grantedQos(client, ['gatepost/demo/a', 'gatepost/demo/b', 'gatepost/demo/c'])).toEqual([
      1, 1, 1,
    ]);
    expect(await grantedQos(client, 'gatepost/demo/d')).toEqual([128]);
    // The same filter again is no new subscription.
    expect(await grantedQos(client, 'gatepost/demo/a')).toEqual([1]);
    await client.unsubscribeAsync('gatepost/demo/b');
    expect(await grantedQos(client, 'gatepost/demo/d')).toEqual([1]);
    expect(broker.refusals().subscribe).toBe(1);
  });

  it('closes a client with more than maxInflightPerClient QoS 2 messages awaiting PUBREL', async () => {
    const broker = await startBroker({ limits: { maxInflightPerClient: 5 } });
    const { stillFine } = await bystanders(broker);
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(connectPacket({ clientId: 'raw-qos2', clean: true }));
    await waitFor(() => connackCode(raw.received()) === 0, 3000, 'a CONNACK');
    for (let id = 1; id <= 5; id++)
      raw.socket.write(publishQos2Packet(id, 'gatepost/demo/test/q2', `m${id}`));
    // Five PUBRECs (4 bytes each) after the CONNACK: the window is full but nothing is wrong yet.
    await waitFor(() => raw.received().length >= 4 + 5 * 4, 3000, 'five PUBRECs');
    expect(raw.socket.destroyed).toBe(false);
    raw.socket.write(publishQos2Packet(6, 'gatepost/demo/test/q2', 'm6'));
    await raw.closed;
    await stillFine();
  });

  it('denies topics and filters holding U+0000 [MQTT-4.7.3-2]', async () => {
    const broker = await startBroker();
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(connectPacket({ clientId: 'raw-nul', clean: true }));
    await waitFor(() => connackCode(raw.received()) === 0, 3000, 'a CONNACK');
    raw.socket.write(publishPacket('gatepost/demo/nul\u0000x', 'x'));
    await raw.closed;
    // The packet guard refuses the topic's raw bytes before the parser (packet-fields.ts).
    expect(broker.refusals().packet).toBe(1);
    expect(broker.refusals().publish).toBe(0);
  });
});

describe('floods and slow readers', () => {
  it('slows a flooding kiosk down to maxPacketsPerSecond without losing its messages, while the gateway is served', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, limits: { maxPacketsPerSecond: 50 } });
    const url = broker.url ?? '';
    const gateway = await connect(url, { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    const requests: number[] = [];
    await gateway.subscribeAsync('gatepost/demo/lane/+/request/+', { qos: 0 });
    gateway.on('message', () => requests.push(performance.now()));
    const screen = await connect(url, viewer);
    const latencies: number[] = [];
    screen.on('message', (_t, p) => latencies.push(performance.now() - Number(p.toString())));
    await screen.subscribeAsync('gatepost/demo/lane/east-1/state', { qos: 0 });

    const kiosk = await connect(url, {
      username: 'S1001',
      password: 'kiosk-password-01',
      clientId: 'S1001-kiosk',
    });
    const payload = JSON.stringify({ transaction: 't', staffId: 'S1001', data: { action: 'open' } });
    const start = performance.now();
    for (let i = 0; i < 200; i++)
      kiosk.publish('gatepost/demo/lane/east-1/request/barrier', payload, { qos: 0 });
    for (let i = 0; i < 20; i++) {
      await gateway.publishAsync('gatepost/demo/lane/east-1/state', String(performance.now()), { qos: 0 });
      await new Promise((r) => setTimeout(r, 25));
    }

    await waitFor(() => requests.length === 200, 10_000, 'all 200 flood messages');
    // 200 packets at 50 a second after a burst of 100 take at least 2 s; allow for timer granularity.
    expect((requests.at(-1) ?? 0) - start).toBeGreaterThan(1500);
    expect(kiosk.connected).toBe(true);
    expect(broker.refusals().throttle).toBeGreaterThan(0);
    await waitFor(() => latencies.length === 20, 3000, "the gateway's 20 states");
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it("does not count a kiosk's acknowledgements against its rate: a request right after 300 QoS 1 messages goes through", async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, limits: { maxPacketsPerSecond: 50 } });
    const url = broker.url ?? '';
    const gateway = await connect(url, { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    let requestAt = 0;
    gateway.on('message', () => {
      requestAt = performance.now();
    });
    await gateway.subscribeAsync('gatepost/demo/lane/+/request/+', { qos: 1 });
    const kiosk = await connect(url, {
      username: 'S1001',
      password: 'kiosk-password-01',
      clientId: 'S1001-kiosk',
    });
    let states = 0;
    kiosk.on('message', () => states++);
    await kiosk.subscribeAsync('gatepost/demo/lane/east-1/state', { qos: 1 });
    for (let i = 0; i < 300; i++)
      gateway.publish('gatepost/demo/lane/east-1/state', `{"n":${i}}`, { qos: 1 });
    await waitFor(() => states === 300, 5000, 'the 300 states at the kiosk');
    const sentAt = performance.now();
    kiosk.publish(
      'gatepost/demo/lane/east-1/request/mode',
      JSON.stringify({ transaction: 't', staffId: 'S1001' }),
      {
        qos: 1,
      },
    );
    await waitFor(() => requestAt > 0, 3000, 'the request at the gateway');
    // 300 PUBACKs counted at 50 a second would hold the request back for 4 s.
    expect(requestAt - sentAt).toBeLessThan(1000);
    expect(broker.refusals().throttle).toBe(0);
  });

  it('drops a viewer that stops reading, and every other client keeps getting everything', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const url = broker.url ?? '';
    const stuck = await rawClient(broker.tcpPort ?? 0);
    stuck.socket.write(
      connectPacket({
        clientId: 'V3002-stuck',
        clean: true,
        username: 'V3002',
        password: 'viewer-password-2',
      }),
    );
    await waitFor(() => connackCode(stuck.received()) === 0, 3000, 'a CONNACK');
    stuck.socket.write(subscribePacket(1, 'gatepost/demo/#'));
    await waitFor(() => stuck.received().length >= 4 + 5, 3000, 'a SUBACK');
    stuck.socket.pause();

    const healthy: MqttClient = await connect(url, viewer);
    let got = 0;
    healthy.on('message', () => got++);
    await healthy.subscribeAsync('gatepost/demo/#', { qos: 0 });
    const gateway = await connect(url, { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 300; i++) await gateway.publishAsync('gatepost/demo/yard/summary', chunk, { qos: 1 });

    await waitFor(() => got === 300, 10_000, 'all 300 messages at the healthy viewer');
    expect(broker.refusals().slow).toBe(1);
    // The stuck client sees its connection end once it reads again.
    stuck.socket.resume();
    await stuck.closed;
    expect(healthy.connected && gateway.connected).toBe(true);
  });
});
