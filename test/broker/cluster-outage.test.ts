import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PUBLISH_HOLD_MS } from '../../broker/embedded-broker.ts';
import { createLogger } from '../../core/logger.ts';
import {
  connect,
  connectPacket,
  rawClient,
  refusal,
  remainingLength,
  startBroker,
  stopAll,
  waitFor,
} from '../support/broker-harness.ts';
import { freePort, RedisServer } from './redis-server.ts';

/**
 * A cluster node whose Redis goes away (a real redis-server, killed mid-test): nothing is
 * acknowledged that will not be delivered, new clients are told the server is unavailable
 * instead of waiting for a CONNACK, and the node says so; once Redis is back, held publishes go
 * through.
 */
const SERVER_UNAVAILABLE = 3;
const redisServers: RedisServer[] = [];
afterEach(async () => {
  await stopAll();
  for (const r of redisServers.splice(0)) await r.stop();
});
afterAll(stopAll);

async function nodeWithRedis(password?: string) {
  const redis = new RedisServer(await freePort(), password ? ['--requirepass', password] : []);
  redisServers.push(redis);
  await redis.start();
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    }),
  });
  const redisUrl = password ? redis.url.replace('//', `//:${password}@`) : redis.url;
  const metrics = new Registry();
  const node = await startBroker({ cluster: { enabled: true, redisUrl }, log, metrics });
  /** The node's `gatepost_broker_cluster_bus_up` gauge. */
  const busUp = async () =>
    (await metrics.getSingleMetric('gatepost_broker_cluster_bus_up')?.get())?.values[0]?.value;
  return { redis, node, lines, busUp };
}

/** A QoS 1 PUBLISH, message id 7. */
function publishQos1(topic: string, payload: string): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([
    Buffer.from([t.length >> 8, t.length & 0xff]),
    t,
    Buffer.from([0, 7]),
    Buffer.from(payload),
  ]);
  return Buffer.concat([Buffer.from([0x32]), remainingLength(body.length), body]);
}
const PUBACK_7 = Buffer.from([0x40, 0x02, 0x00, 0x07]);
const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

describe('a cluster node whose Redis goes away', () => {
  it('acknowledges no publish and refuses new connections while Redis is down, and says so', async () => {
    const { redis, node, lines, busUp } = await nodeWithRedis();
    const url = node.url ?? '';
    const sub = await connect(url, { clientId: 'screen' });
    const got: string[] = [];
    sub.on('message', (t, p) => got.push(`${t} ${p}`));
    await sub.subscribeAsync('gatepost/demo/test/+', { qos: 1 });
    const pub = await rawClient(node.tcpPort ?? 0);
    pub.socket.write(connectPacket({ clientId: 'publisher', clean: true }));
    await waitFor(() => pub.received().equals(CONNACK_OK), 3000, 'the CONNACK');
    expect(await busUp()).toBe(1);

    await redis.stop();
    await waitFor(
      () => lines.some((l) => l.msg.startsWith('cluster: shared bus down')),
      5000,
      'the bus-down log line',
    );
    expect(lines.find((l) => l.msg.startsWith('cluster: shared bus down'))?.level).toBe(50);
    expect(await busUp()).toBe(0);

    const sentAt = performance.now();
    pub.socket.write(publishQos1('gatepost/demo/test/a', 'during the outage'));
    // A new client gets CONNACK 3 at once rather than no answer at all.
    const t0 = performance.now();
    expect(await refusal(url, { clientId: 'late' })).toBe(SERVER_UNAVAILABLE);
    expect(performance.now() - t0).toBeLessThan(2000);
    // The publisher is never acknowledged: it is disconnected once the hold is over.
    await pub.closed;
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(PUBLISH_HOLD_MS - 100);
    expect(pub.received().subarray(CONNACK_OK.length).includes(PUBACK_7)).toBe(false);
    expect(got).toEqual([]);
  });

  it('delivers a publish held during a short outage once Redis is back, and then acknowledges it', async () => {
    const { redis, node, lines } = await nodeWithRedis();
    const url = node.url ?? '';
    const sub = await connect(url, { clientId: 'screen' });
    const got: string[] = [];
    sub.on('message', (t, p) => got.push(`${t} ${p}`));
    await sub.subscribeAsync('gatepost/demo/test/+', { qos: 1 });
    const pub = await rawClient(node.tcpPort ?? 0);
    pub.socket.write(connectPacket({ clientId: 'publisher', clean: true }));
    await waitFor(() => pub.received().equals(CONNACK_OK), 3000, 'the CONNACK');

    await redis.stop();
    await waitFor(
      () => lines.some((l) => l.msg.startsWith('cluster: shared bus down')),
      5000,
      'the bus-down log line',
    );
    pub.socket.write(publishQos1('gatepost/demo/test/b', 'held'));
    await new Promise((r) => setTimeout(r, 300));
    expect(pub.received().length).toBe(CONNACK_OK.length);

    await redis.start();
    await waitFor(
      () => pub.received().subarray(CONNACK_OK.length).equals(PUBACK_7),
      PUBLISH_HOLD_MS,
      'the PUBACK',
    );
    await waitFor(() => got.length === 1, 3000, 'the delivery');
    expect(got).toEqual(['gatepost/demo/test/b held']);
    expect(lines.some((l) => l.msg.startsWith('cluster: shared bus up again'))).toBe(true);
    expect(await refusal(url, { clientId: 'after' })).toBe('accepted');
  });

  it('warns at start when Redis has no password, and not when it has one', async () => {
    const open = await nodeWithRedis();
    const warning = (l: { msg: string }) => l.msg.startsWith('cluster: Redis without a password');
    expect(open.lines.filter(warning).map((l) => l.level)).toEqual([40]);
    const locked = await nodeWithRedis('a-long-redis-password-1');
    expect(locked.lines.some(warning)).toBe(false);
    expect(await refusal(locked.node.url ?? '', { clientId: 'tool' })).toBe('accepted');
  });
});
