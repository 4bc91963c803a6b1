import { remainingLengthBytes } from '../../gateway/uplink/inbound-packet-meter.ts';

/**
 * Raw MQTT 3.1.1 packets, for what mqtt.js will not send (hostile and malformed input). On its own,
 * without broker-harness.ts's broker and clients, so a unit test of a packet parser does not load
 * the embedded broker to build its bytes.
 */
const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

export function remainingLength(n: number): Buffer {
  return Buffer.from(remainingLengthBytes(n));
}

export function connectPacket(o: {
  clientId: string;
  clean: boolean;
  username?: string;
  password?: string;
}): Buffer {
  let flags = o.clean ? 0x02 : 0;
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 30]),
    str(o.clientId),
    ...(o.username !== undefined ? [str(o.username)] : []),
    ...(o.password !== undefined ? [str(o.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

export function publishPacket(topic: string, payload: Buffer | string): Buffer {
  const body = Buffer.concat([str(topic), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body]);
}

export function publishQos2Packet(messageId: number, topic: string, payload: Buffer | string): Buffer {
  const body = Buffer.concat([
    str(topic),
    Buffer.from([messageId >> 8, messageId & 0xff]),
    Buffer.from(payload),
  ]);
  return Buffer.concat([Buffer.from([0x34]), remainingLength(body.length), body]);
}

export function subscribePacket(messageId: number, filter: string, qos = 0): Buffer {
  const body = Buffer.concat([
    Buffer.from([messageId >> 8, messageId & 0xff]),
    str(filter),
    Buffer.from([qos]),
  ]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

/** The CONNACK return code in what a raw client received, if any. */
export function connackCode(bytes: Buffer): number | undefined {
  return bytes[0] === 0x20 && bytes[1] === 0x02 ? bytes[3] : undefined;
}
