/**
 * Reads only the fixed headers of the MQTT byte stream of one connection, ahead of the MQTT
 * parser: it learns each packet's size from its header and refuses one over the cap before its
 * body has arrived, so an oversized or broken packet is never buffered, parsed or acted on. It
 * keeps a few numbers of state whatever the input, and never throws.
 */
export type GuardRefusal = 'oversized' | 'malformed-length' | 'reserved-type' | 'not-connect-first';

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

export class PacketGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private first = true;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private failed: GuardResult | undefined;

  constructor(private readonly maxPacketBytes: number) {}

  feed(chunk: Uint8Array): GuardResult {
    if (this.failed) return this.failed;
    const requests: number[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.remaining, chunk.length - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const at = i;
      const b = chunk[i++] ?? 0;
      if (this.state === 'type') {
        const type = b >> 4;
        if (this.first && type !== CONNECT)
          return this.fail('not-connect-first', `first packet is type ${type}`);
        if (type === 0 || type === 15) return this.fail('reserved-type', `packet type ${type} is reserved`);
        this.first = false;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
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
      if (total > this.maxPacketBytes) {
        return this.fail('oversized', `packet of ${total} bytes, at most ${this.maxPacketBytes}`);
      }
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'type';
    }
    return { ok: true, requests };
  }

  private fail(reason: GuardRefusal, detail: string): GuardResult {
    this.failed = { ok: false, reason, detail };
    return this.failed;
  }
}
