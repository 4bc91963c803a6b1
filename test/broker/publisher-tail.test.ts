import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { connackCode, connectPacket, publishPacket, waitFor } from '../support/broker-harness.ts';

/**
 * A client that sends a burst and goes away at once (DISCONNECT, its socket ended and closed)
 * has every message of the burst delivered: the broker reads what the socket had brought before
 * it lets the connection go. Before, the connection was destroyed on the socket's close with
 * the tail of the burst still unread (Aedes reads a batch only once the previous one is handled),
 * which the broker bench saw as ~1,000 QoS 0 messages lost in a million.
 */
const brokers: EmbeddedBroker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

const COUNT = 5_000;

describe('a publisher that leaves right after its burst', () => {
  it('has all of its QoS 0 messages delivered', async () => {
    const broker = await startEmbeddedBroker({
      tcp: { enabled: true, host: '127.0.0.1', port: 0 },
      websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
      log: silentLogger(),
      acl: GATEPOST_ACL,
      limits: { maxPacketsPerSecond: 1e9 },
    });
    brokers.push(broker);
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`);
    let received = 0;
    sub.on('message', () => received++);
    await sub.subscribeAsync('bench/tail', { qos: 0 });

    const socket = netConnect({ host: '127.0.0.1', port: broker.tcpPort ?? 0 });
    await once(socket, 'connect');
    socket.write(connectPacket({ clientId: 'tail', clean: true }));
    const [connack] = (await once(socket, 'data')) as [Buffer];
    expect(connackCode(connack)).toBe(0);
    const payload = Buffer.alloc(200, 0x61);
    const burst = Buffer.concat([
      ...Array.from({ length: COUNT }, () => publishPacket('bench/tail', payload)),
      Buffer.from([0xe0, 0x00]), // DISCONNECT
    ]);
    socket.end(burst);
    await once(socket, 'close');

    await waitFor(() => received >= COUNT, 20_000, `${COUNT} messages`).catch(() => undefined);
    expect(received).toBe(COUNT);
    await sub.endAsync();
  }, 40_000);
});
