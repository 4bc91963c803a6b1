import { afterEach, describe, expect, it } from 'vitest';
import {
  connackCode,
  connect,
  rawClient,
  remainingLength,
  startBroker,
  stopAll,
  waitFor,
} from '../support/broker-harness.ts';

/**
 * CONNECT as the standard has it, with hand-written bytes over a TCP socket (mqtt.js would not
 * send these): the protocol level [MQTT-3.1.2-2], U+0000 in a string [MQTT-1.5.3-2], and what a
 * normal disconnect must not count as an error.
 */
afterEach(stopAll);

const UNACCEPTABLE_PROTOCOL_LEVEL = 1;

const utf8 = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

/** A CONNECT with this protocol name and level, clean session, keep-alive 30 s, and this client id. */
function connectBytes(name: string, level: number, clientId: Buffer): Buffer {
  const body = Buffer.concat([utf8(Buffer.from(name)), Buffer.from([level, 0x02, 0, 30]), utf8(clientId)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

describe('CONNECT conformance', () => {
  it.each([0, 1, 2, 5, 6, 127, 255])(
    'answers protocol level %i with CONNACK 0x01 and closes',
    async (level) => {
      const broker = await startBroker();
      const raw = await rawClient(broker.tcpPort ?? 0);
      raw.socket.write(connectBytes('MQTT', level, Buffer.from('level-test')));
      await raw.closed;
      expect([...raw.received()]).toEqual([0x20, 0x02, 0x00, UNACCEPTABLE_PROTOCOL_LEVEL]);
      expect(broker.refusals().connect).toBe(1);
      expect(broker.refusals().protocol).toBe(0);
    },
  );

  it('reads the level however TCP cuts the CONNECT, and still serves 3 and 4', async () => {
    const broker = await startBroker();
    const port = broker.tcpPort ?? 0;
    const cut = await rawClient(port);
    const bytes = connectBytes('MQTT', 6, Buffer.from('cut'));
    for (const b of bytes) {
      cut.socket.write(Buffer.from([b]));
      await new Promise((r) => setTimeout(r, 2));
    }
    await cut.closed;
    expect(connackCode(cut.received())).toBe(UNACCEPTABLE_PROTOCOL_LEVEL);
    for (const [name, level] of [
      ['MQTT', 4],
      ['MQIsdp', 3],
    ] as const) {
      const ok = await rawClient(port);
      ok.socket.write(connectBytes(name, level, Buffer.from(`ok-${level}`)));
      await waitFor(() => connackCode(ok.received()) === 0, 3000, `the CONNACK of level ${level}`);
    }
  });

  it('closes a CONNECT whose client id holds U+0000, without a CONNACK [MQTT-1.5.3-2]', async () => {
    const broker = await startBroker();
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(connectBytes('MQTT', 4, Buffer.from([0x61, 0x00, 0x62])));
    await raw.closed;
    expect(raw.received().length).toBe(0);
    expect(broker.refusals().packet).toBe(1);
  });

  it('counts no error when a client disconnects while its retained messages are being sent', async () => {
    const broker = await startBroker();
    const url = broker.url ?? '';
    const gateway = await connect(url, { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    const payload = 'x'.repeat(200);
    for (let i = 0; i < 1000; i++)
      gateway.publish(`gatepost/demo/yard/bay/P-${i}`, payload, { qos: 1, retain: true });
    await gateway.publishAsync('gatepost/demo/yard/bay/last', payload, { qos: 1, retain: true });
    for (let k = 0; k < 5; k++) {
      const screen = await connect(url);
      screen.subscribe('gatepost/demo/#', { qos: 1 });
      await new Promise((r) => setTimeout(r, 5));
      await screen.endAsync();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(broker.refusals().protocol).toBe(0);
  });
});
