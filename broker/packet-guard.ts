import { type FieldRefusal, hasFields, PacketFields } from './packet-fields.ts';

/**
 * Reads the fixed headers of the MQTT byte stream of one connection, ahead of the MQTT
 * parser: it learns each packet's size from its header and refuses one over the cap before its
 * body has arrived, so an oversized or broken packet is never buffered, parsed or acted on. Of
 * the first packet (CONNECT) it also reads the protocol level. The fields of CONNECT, PUBLISH,
 * SUBSCRIBE and UNSUBSCRIBE bodies are walked as they stream by (packet-fields.ts): malformed
 * UTF-8, a will QoS of 3 or a filterless (UN)SUBSCRIBE is refused in the chunk that completes
 * the packet, so the parser never acts on it. It keeps a few numbers (and at most nine bytes) of
 * state whatever the input, and never throws.
 */
export type GuardRefusal =
  | 'oversized'
  | 'malformed-length'
  | 'reserved-type'
  | 'not-connect-first'
  /** A CONNECT of a protocol level other than 3 or 4: answered with CONNACK 0x01 [MQTT-3.1.2-2]. */
  | 'protocol-level'
  | FieldRefusal;

export interface GuardPass {
  ok: true;
  /**
   * Offsets in this chunk where a client request begins (PUBLISH, SUBSCRIBE, UNSUBSCRIBE,
   * PINGREQ): what a rate limit counts. Acknowledgements answer what the broker sent, and are not
   * counted, so a client catching up on many QoS 1 messages is not slowed down by its own PUBACKs.
   */
  requests: number[];
}

export type GuardResult = GuardPass | { ok: false; reason: GuardRefusal; detail: string };

/** PUBLISH, SUBSCRIBE, UNSUBSCRIBE, PINGREQ. */
const REQUEST_TYPES = new Set([3, 8, 10, 12]);

/** Packet types 0 and 15 are reserved in MQTT 3.1.1; 1 is CONNECT. */
const CONNECT = 1;

/**
 * Protocol levels served: 3 (MQTT 3.1, name `MQIsdp`) and 4 (3.1.1, name `MQTT`), with or without
 * the bridge bit 0x80 that Mosquitto bridges set. The MQTT parser closes the connection on any
 * other level without a CONNACK; the standard wants CONNACK 0x01 first [MQTT-3.1.2-2].
 */
const SERVED_LEVELS = new Set([3, 4, 0x83, 0x84]);
/**
 * The largest CONNECT taken, whatever maxPacketBytes: a client id, user name, token and a small
 * will fit many times over, and a connection that has not logged in yet cannot make the broker
 * hold more than this of its first packet (500 half-sent CONNECTs: 8 MiB, not 128).
 */
export const MAX_CONNECT_BYTES = 16 * 1024;

/** The CONNECT bytes read to find its level: name length (2), `MQIsdp` (6 at most), level (1). */
const CONNECT_HEAD_BYTES = 9;

export class PacketGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private first = true;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private failed: GuardResult | undefined;
  /** The first bytes of the CONNECT body, until its protocol level has been read (then undefined). */
  private connectHead: number[] | undefined = [];
  private inFirstPacket = false;
  private type = 0;
  /** The field walk of the packet being read, for the types that hold strings. */
  private fields: PacketFields | undefined;

  constructor(private readonly maxPacketBytes: number) {}

  feed(chunk: Uint8Array): GuardResult {
    if (this.failed) return this.failed;
    const requests: number[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        if (this.inFirstPacket && this.connectHead) {
          const refused = this.readConnectHead(chunk, i);
          if (refused) return refused;
        }
        const skip = Math.min(this.remaining, chunk.length - i);
        const refused = this.fields?.feed(chunk, i, i + skip);
        if (refused) return this.fail(refused.reason, refused.detail);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) {
          const ended = this.endPacket();
          if (ended) return ended;
        }
        continue;
      }
      const at = i;
      const b = chunk[i++] ?? 0;
      if (this.state === 'type') {
        const type = b >> 4;
        if (this.first && type !== CONNECT)
          return this.fail('not-connect-first', `first packet is type ${type}`);
        if (type === 0 || type === 15) return this.fail('reserved-type', `packet type ${type} is reserved`);
        this.inFirstPacket = this.first;
        this.first = false;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        this.type = type;
        if (REQUEST_TYPES.has(type)) requests.push(at);
        continue;
      }
      // Remaining Length: 1 to 4 bytes, 7 bits each, low first (MQTT 3.1.1 section 2.2.3).
      this.lengthBytes++;
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (b & 0x80) {
        if (this.lengthBytes === 4)
          return this.fail('malformed-length', 'remaining length longer than 4 bytes');
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      const max = this.inFirstPacket ? Math.min(this.maxPacketBytes, MAX_CONNECT_BYTES) : this.maxPacketBytes;
      if (total > max) {
        const what = this.inFirstPacket ? 'CONNECT' : 'packet';
        return this.fail('oversized', `${what} of ${total} bytes, at most ${max}`);
      }
      this.remaining = this.length;
      this.fields = hasFields(this.type) ? new PacketFields(this.type) : undefined;
      this.state = 'body';
      if (this.remaining === 0) {
        const ended = this.endPacket();
        if (ended) return ended;
      }
    }
    return { ok: true, requests };
  }

  /**
   * Collects the CONNECT's first bytes (at most CONNECT_HEAD_BYTES, whatever the chunking) and,
   * once its protocol name and level are in, refuses a level not served. A name other than
   * `MQTT` / `MQIsdp` is left to the parser (it closes the connection, as MQTT-3.1.2-1 allows).
   */
  private readConnectHead(chunk: Uint8Array, from: number): GuardResult | undefined {
    const head = this.connectHead;
    if (!head) return undefined;
    const take = Math.min(CONNECT_HEAD_BYTES - head.length, this.remaining, chunk.length - from);
    for (let k = 0; k < take; k++) head.push(chunk[from + k] ?? 0);
    if (head.length < 2) return undefined;
    const nameLength = ((head[0] ?? 0) << 8) | (head[1] ?? 0);
    if (nameLength !== 4 && nameLength !== 6) {
      this.connectHead = undefined;
      return undefined;
    }
    if (head.length < 2 + nameLength + 1) {
      if (take === this.remaining) this.connectHead = undefined; // the packet ends short: the parser's to refuse
      return undefined;
    }
    const name = String.fromCharCode(...head.slice(2, 2 + nameLength));
    const level = head[2 + nameLength] ?? 0;
    this.connectHead = undefined;
    if ((name === 'MQTT' || name === 'MQIsdp') && !SERVED_LEVELS.has(level)) {
      return this.fail('protocol-level', `CONNECT of protocol level ${level}`);
    }
    return undefined;
  }

  /** The packet's last byte is in: its field walk has its say, then the next packet's header. */
  private endPacket(): GuardResult | undefined {
    const refused = this.fields?.end();
    this.fields = undefined;
    this.state = 'type';
    this.inFirstPacket = false;
    if (refused) return this.fail(refused.reason, refused.detail);
    return undefined;
  }

  private fail(reason: GuardRefusal, detail: string): GuardResult {
    this.failed = { ok: false, reason, detail };
    return this.failed;
  }
}
