import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { capGroup } from '../../broker/connection-slots.ts';
import {
  connackCode,
  connect,
  onCleanup,
  remainingLength,
  startBroker,
  stopAll,
  waitFor,
} from '../support/broker-harness.ts';

/**
 * The per-address connection cap counts all of loopback (127.0.0.0/8, ::1) as one address: a
 * process on this box binding to 127.0.0.2, .3, ... gets no more sessions than from 127.0.0.1.
 * Raw CONNECTs over TCP from several loopback source addresses (anonymous loopback clients).
 */
afterEach(stopAll);

const SERVER_UNAVAILABLE = 3;

function connectBytes(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4]),
    Buffer.from('MQTT'),
    Buffer.from([4, 0x02, 0, 30, id.length >> 8, id.length & 0xff]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** The CONNACK code a raw CONNECT from this source address gets ('closed' if none). */
async function connackFrom(port: number, from: string, clientId: string): Promise<number | 'closed'> {
  const socket = netConnect({ port, host: '127.0.0.1', localAddress: from });
  onCleanup(() => socket.destroy());
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.once('close', () => {
    closed = true;
  });
  await once(socket, 'connect');
  socket.write(connectBytes(clientId));
  await waitFor(
    () => closed || connackCode(Buffer.concat(chunks)) !== undefined,
    3000,
    `a CONNACK for ${clientId}`,
  );
  return connackCode(Buffer.concat(chunks)) ?? 'closed';
}

describe('loopback connection cap', () => {
  it('counts 127.0.0.0/8, ::1 and ::ffff:127.x as one address', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '127.255.1.9', '::1', '::ffff:127.0.0.3']) {
      expect(capGroup(a)).toBe('loopback');
    }
    expect(capGroup('10.0.0.1')).toBe('10.0.0.1');
    expect(capGroup('192.168.1.2')).not.toBe(capGroup('192.168.1.3'));
  });

  it('gives sessions from many 127.0.0.x addresses one cap, and still lets the gateway in', async () => {
    const broker = await startBroker({ limits: { maxConnectionsPerAddress: 4 } });
    const port = broker.tcpPort ?? 0;
    for (let a = 2; a <= 5; a++) expect(await connackFrom(port, `127.0.0.${a}`, `hog-${a}`)).toBe(0);
    // A fifth loopback session, from yet another source address, is over the one cap: it can only
    // take a gateway reserve slot, and is refused there.
    expect(await connackFrom(port, '127.0.0.6', 'hog-6')).toBe(SERVER_UNAVAILABLE);
    expect(await connackFrom(port, '127.0.0.1', 'hog-1')).toBe(SERVER_UNAVAILABLE);
    const gateway = await connect(broker.url ?? '', {
      ...broker.gatewayCredentials,
      clientId: 'gatepost-demo-gateway',
    });
    expect(gateway.connected).toBe(true);
  });
});
