import { afterEach, describe, expect, it } from 'vitest';
import {
  connackCode,
  rawClient,
  remainingLength,
  startBroker,
  stopAll,
  waitFor,
} from '../support/broker-harness.ts';

/**
 * What the MQTT parser would let through, with hand-written bytes over TCP: malformed UTF-8
 * [MQTT-1.5.3-1], a will of QoS 3 [MQTT-3.1.2-14], an UNSUBSCRIBE with no filter
 * [MQTT-3.10.3-2] each close the connection, and nothing of them is acted on; a client id's
 * length is counted in characters (code points).
 */
afterEach(stopAll);

const IDENTIFIER_REJECTED = 2;
const str = (b: Buffer | string) => {
  const x = Buffer.from(b);
  return Buffer.concat([Buffer.from([x.length >> 8, x.length & 0xff]), x]);
};
const pkt = (header: number, body: Buffer) =>
  Buffer.concat([Buffer.from([header]), remainingLength(body.length), body]);
const connect = (clientId: Buffer | string, flags = 0x02, rest: Buffer[] = []) =>
  pkt(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 30]), str(clientId), ...rest]));
const subscribe = (id: number, filter: string) =>
  pkt(0x82, Buffer.concat([Buffer.from([id >> 8, id & 0xff]), str(filter), Buffer.from([1])]));
const publish = (topic: Buffer | string, payload: string, retain = false) =>
  pkt(retain ? 0x31 : 0x30, Buffer.concat([str(topic), Buffer.from(payload)]));
const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** A raw client logged in (anonymous, from loopback) with this id. */
async function loggedIn(port: number, clientId: string) {
  const raw = await rawClient(port);
  raw.socket.write(connect(clientId));
  await waitFor(() => connackCode(raw.received()) === 0, 3000, `the CONNACK of ${clientId}`);
  return raw;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hostile strings and flags over TCP', () => {
  it('closes a CONNECT of will QoS 3 without a CONNACK, and its will is never published or retained', async () => {
    const broker = await startBroker();
    const port = broker.tcpPort ?? 0;
    const watcher = await loggedIn(port, 'watcher');
    watcher.socket.write(subscribe(1, 'atk/will'));
    await waitFor(() => watcher.received().length >= 4 + 5, 3000, 'the SUBACK');
    const seen = watcher.received().length;

    const willer = await rawClient(port);
    willer.socket.write(
      connect('atk-w3', 0x02 | 0x04 | 0x18 | 0x20, [str('atk/will'), str('bye')]), // will QoS 3, retained
    );
    await willer.closed;
    expect(willer.received().length).toBe(0);
    await sleep(300);
    expect(watcher.received().length).toBe(seen);
    // Nor is it retained for a later subscriber.
    const later = await loggedIn(port, 'later');
    later.socket.write(subscribe(1, 'atk/#'));
    later.socket.write(PINGREQ);
    await waitFor(() => later.received().subarray(4).includes(PINGRESP), 3000, 'the PINGRESP');
    expect(later.received().includes(Buffer.from('bye'))).toBe(false);
    expect(broker.refusals().packet + broker.refusals().connect).toBeGreaterThanOrEqual(1);
  });

  it('closes the connection of an UNSUBSCRIBE with no filter, without an UNSUBACK', async () => {
    const broker = await startBroker();
    const raw = await loggedIn(broker.tcpPort ?? 0, 'unsub-empty');
    raw.socket.write(pkt(0xa2, Buffer.from([0, 1])));
    await raw.closed;
    expect(raw.received().subarray(4).length).toBe(0);
  });

  it.each([
    ['overlong NUL', Buffer.from([0x61, 0xc0, 0x80, 0x62])],
    ['surrogate', Buffer.from([0x61, 0xed, 0xa0, 0x80])],
    ['truncated sequence', Buffer.from([0x61, 0xe2, 0x82])],
    ['above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
  ])('closes a PUBLISH whose topic holds a %s, and does not deliver or retain it', async (_, topic) => {
    const broker = await startBroker();
    const port = broker.tcpPort ?? 0;
    const watcher = await loggedIn(port, 'watcher');
    watcher.socket.write(subscribe(1, '#'));
    await waitFor(() => watcher.received().length >= 4 + 5, 3000, 'the SUBACK');
    const seen = watcher.received().length;
    const raw = await loggedIn(port, 'bad-topic');
    raw.socket.write(publish(topic, 'hostile-payload', true));
    await raw.closed;
    await sleep(300);
    expect(watcher.received().length).toBe(seen);
    const later = await loggedIn(port, 'later');
    later.socket.write(subscribe(1, '#'));
    later.socket.write(PINGREQ);
    await waitFor(() => later.received().subarray(4).includes(PINGRESP), 3000, 'the PINGRESP');
    expect(later.received().includes(Buffer.from('hostile-payload'))).toBe(false);
    expect(broker.refusals().packet).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['client id, overlong NUL', connect(Buffer.from([0x61, 0xc0, 0x80]))],
    ['client id, surrogate', connect(Buffer.from([0xed, 0xa0, 0x80]))],
    ['user name, overlong', connect('u1', 0x82 | 0x40, [str(Buffer.from([0xc1, 0xbf])), str('pw')])],
    ['will topic, surrogate', connect('w1', 0x06, [str(Buffer.from([0x74, 0xed, 0xb0, 0x80])), str('bye')])],
  ])('closes a CONNECT with malformed UTF-8 in its %s, without a CONNACK', async (_, bytes) => {
    const broker = await startBroker();
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(bytes);
    await raw.closed;
    expect(raw.received().length).toBe(0);
  });

  it('closes a SUBSCRIBE with malformed UTF-8 in its filter, without a SUBACK', async () => {
    const broker = await startBroker();
    const raw = await loggedIn(broker.tcpPort ?? 0, 'bad-filter');
    raw.socket.write(
      pkt(0x82, Buffer.concat([Buffer.from([0, 1]), str(Buffer.from([0x61, 0xc0, 0xaf])), Buffer.from([0])])),
    );
    await raw.closed;
    expect(raw.received().subarray(4).length).toBe(0);
  });

  it('counts a client id in characters: 128 emoji are taken, 129 refused with CONNACK 2', async () => {
    const broker = await startBroker();
    const port = broker.tcpPort ?? 0;
    const ok = await rawClient(port);
    ok.socket.write(connect('🚚'.repeat(128)));
    await waitFor(() => connackCode(ok.received()) !== undefined, 3000, 'a CONNACK');
    expect(connackCode(ok.received())).toBe(0);
    const long = await rawClient(port);
    long.socket.write(connect('🚚'.repeat(129)));
    await waitFor(() => connackCode(long.received()) !== undefined, 3000, 'a CONNACK');
    expect(connackCode(long.received())).toBe(IDENTIFIER_REJECTED);
  });
});
