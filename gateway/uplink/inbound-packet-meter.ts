/**
 * Reads the fixed headers of the MQTT 3.1.1 byte stream the central broker sends the uplink,
 * ahead of mqtt.js's parser, across any split into chunks: each packet's size is known once its
 * Remaining Length is in, so a packet over the budget is dealt with at the chunk where its header
 * completes, and none of its body ever reaches mqtt.js (which would buffer the whole packet
 * before parsing it; MQTT 3.1.1 has no maximum packet size a client can ask of the server).
 *
 * - A PUBLISH over the budget, QoS 0 or 1, is **skipped**: its body is read and thrown away as it
 *   streams by. Of a QoS 1 one, mqtt.js is handed the same PUBLISH (flags, topic, packet id)
 *   with an empty payload, so that it is acknowledged in its turn like any other and the broker
 *   does not send it again on every connection (which would keep the uplink down for good); the
 *   uplink knows it by its packet id (`skipped`) and does not hand it on. Its PUBACK may leave
 *   while the broker is still sending the payload (Mosquitto takes that). A QoS 0 one is dropped
 *   whole.
 * - Any other packet over the budget, a PUBLISH of QoS 2 or 3 over it, a Remaining Length longer
 *   than 4 bytes (MQTT 3.1.1 section 2.2.3), or a topic longer than its PUBLISH is **refused**:
 *   the connection is to be dropped, nothing more read.
 *
 * It keeps a few numbers of state (and at most 5 header bytes and 256 topic bytes) whatever the
 * input, and never throws. Broker-side, broker/packet-guard.ts does the like for the embedded
 * broker's clients.
 */
export type MeterRefusalReason = 'oversized' | 'malformed-length' | 'malformed-topic';

export interface MeterRefusal {
  ok: false;
  reason: MeterRefusalReason;
  detail: string;
  /** MQTT packet type of the refused packet (3: PUBLISH). */
  packetType: number;
  /** Its whole size as its header declares it (fixed header + Remaining Length); 0 if malformed. */
  declaredBytes: number;
  /** Offset in the refused chunk of the byte that decided. */
  at: number;
}

/** A PUBLISH over the budget, skipped unread. */
export interface SkippedPublish {
  qos: 0 | 1;
  /** The packet identifier of a QoS 1 PUBLISH: mqtt.js gets it with an empty payload. */
  packetId?: number;
  /** Its whole size as its header declares it. */
  declaredBytes: number;
  /** The start of its topic (at most 256 bytes), for logs. */
  topic: string;
}

export interface MeterPass {
  ok: true;
  /** What mqtt.js is to read of this chunk, in order: the chunk itself unless a PUBLISH was skipped. */
  out: Uint8Array[];
  /** Oversized PUBLISHes whose topic (and packet id) completed in this chunk. */
  skipped: SkippedPublish[];
}

export type MeterVerdict = MeterPass | MeterRefusal;

/** The largest Remaining Length MQTT can encode: 4 bytes of 7 bits (256 MiB - 1). */
export const MAX_REMAINING_LENGTH = 268_435_455;

const PUBLISH = 3;
const TOPIC_LOG_BYTES = 256;

type State = 'type' | 'length' | 'body' | 'topic-length' | 'topic' | 'packet-id' | 'discard';

/** What mqtt.js gets of one chunk: runs of the chunk's own bytes, and bytes made here. */
class Output {
  readonly parts: Uint8Array[] = [];
  private start = 0;
  private end = 0;

  constructor(private readonly chunk: Uint8Array) {}

  /** Bytes [from, to) of the chunk go on as they are. */
  pass(from: number, to: number): void {
    if (to <= from) return;
    if (from !== this.end) {
      this.flush();
      this.start = from;
    }
    this.end = to;
  }

  /** Bytes not in the chunk (held from an earlier one, or made here). */
  add(bytes: number[]): void {
    this.flush();
    this.parts.push(Uint8Array.from(bytes));
  }

  flush(): void {
    if (this.end > this.start) this.parts.push(this.chunk.subarray(this.start, this.end));
    this.start = this.end;
  }
}

export class InboundPacketMeter {
  private state: State = 'type';
  private type = 0;
  private flags = 0;
  private length = 0;
  private multiplier = 1;
  /** Header bytes read so far of the packet being read (passed on once it is judged). */
  private header: number[] = [];
  private remaining = 0;
  /** Of the PUBLISH being skipped. */
  private skip = {
    declared: 0,
    afterTopic: 0,
    topicLength: [] as number[],
    topic: [] as number[],
    id: [] as number[],
  };
  private refusal: MeterRefusal | undefined;
  /** Packets read whole (a skipped PUBLISH counts once it has been read past). */
  packets = 0;
  /** Bytes of accepted chunks, the chunk of a refusal not counted. */
  bytes = 0;

  constructor(readonly maxPacketBytes: number) {}

  /** The refusal, once there has been one: every later chunk gets it too. */
  get refused(): MeterRefusal | undefined {
    return this.refusal;
  }

  feed(chunk: Uint8Array): MeterVerdict {
    if (this.refusal) return this.refusal;
    const out = new Output(chunk);
    const skipped: SkippedPublish[] = [];
    /** Where in this chunk the header being read began (0 if in an earlier chunk). */
    let headerAt = 0;
    let i = 0;
    while (i < chunk.length) {
      const b = chunk[i] ?? 0;
      switch (this.state) {
        case 'body':
        case 'topic':
        case 'discard': {
          const n = Math.min(this.remaining, chunk.length - i);
          if (this.state === 'body' || (this.state === 'topic' && this.qos === 1)) out.pass(i, i + n);
          if (this.state === 'topic') {
            const keep = Math.min(n, TOPIC_LOG_BYTES - this.skip.topic.length);
            for (let k = 0; k < keep; k++) this.skip.topic.push(chunk[i + k] ?? 0);
          }
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.next(skipped);
          break;
        }
        case 'type':
          this.type = b >> 4;
          this.flags = b & 0x0f;
          this.length = 0;
          this.multiplier = 1;
          this.header = [b];
          headerAt = i;
          this.state = 'length';
          i++;
          break;
        case 'length': {
          // Remaining Length: 1 to 4 bytes, 7 bits each, low first.
          this.header.push(b);
          this.length += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          if (b & 0x80) {
            if (this.header.length === 5)
              return this.refuse('malformed-length', 'remaining length longer than 4 bytes', 0, i);
            i++;
            break;
          }
          const total = this.header.length + this.length;
          i++;
          if (total <= this.maxPacketBytes) {
            if (this.header.length === i - headerAt) out.pass(headerAt, i);
            else out.add(this.header);
            this.remaining = this.length;
            this.state = 'body';
            if (this.remaining === 0) this.next(skipped);
            break;
          }
          if (this.type !== PUBLISH || this.qos > 1)
            return this.refuse(
              'oversized',
              `packet of type ${this.type}${this.type === PUBLISH ? ` QoS ${this.qos}` : ''} declares ${total} bytes, at most ${this.maxPacketBytes}`,
              total,
              i - 1,
            );
          // A PUBLISH over the budget: its header is not passed on, its topic length comes next.
          this.skip = { declared: total, afterTopic: 0, topicLength: [], topic: [], id: [] };
          this.remaining = this.length;
          this.state = 'topic-length';
          break;
        }
        case 'topic-length': {
          this.skip.topicLength.push(b);
          this.remaining--;
          i++;
          if (this.skip.topicLength.length < 2) break;
          const [hi = 0, lo = 0] = this.skip.topicLength;
          const topicBytes = (hi << 8) | lo;
          const idBytes = this.qos === 1 ? 2 : 0;
          if (topicBytes + idBytes > this.remaining)
            return this.refuse(
              'malformed-topic',
              `a topic of ${topicBytes} bytes in a PUBLISH of ${this.length}`,
              this.skip.declared,
              i - 1,
            );
          // Of a QoS 1 one, the same PUBLISH with no payload: its header and topic length here,
          // its topic and packet id as they come.
          if (this.qos === 1)
            out.add([(PUBLISH << 4) | this.flags, ...remainingLengthBytes(2 + topicBytes + 2), hi, lo]);
          this.skip.afterTopic = this.remaining - topicBytes;
          this.remaining = topicBytes;
          this.state = 'topic';
          if (this.remaining === 0) this.next(skipped);
          break;
        }
        case 'packet-id':
          out.pass(i, i + 1);
          this.skip.id.push(b);
          i++;
          if (this.skip.id.length === 2) this.next(skipped);
          break;
      }
    }
    out.flush();
    this.bytes += chunk.length;
    return { ok: true, out: out.parts, skipped };
  }

  private get qos(): number {
    return (this.flags >> 1) & 3;
  }

  /** The part being read is complete: on to the next. */
  private next(skipped: SkippedPublish[]): void {
    if (this.state === 'topic' && this.qos === 1) {
      this.state = 'packet-id';
      return;
    }
    if (this.state === 'topic' || this.state === 'packet-id') {
      skipped.push(this.skippedPublish());
      this.remaining = this.skip.afterTopic - (this.qos === 1 ? 2 : 0);
      this.state = 'discard';
      if (this.remaining > 0) return;
    }
    this.packets++;
    this.state = 'type';
  }

  private skippedPublish(): SkippedPublish {
    const [hi = 0, lo = 0] = this.skip.id;
    return {
      qos: this.qos === 1 ? 1 : 0,
      ...(this.qos === 1 ? { packetId: (hi << 8) | lo } : {}),
      declaredBytes: this.skip.declared,
      topic: Buffer.from(this.skip.topic).toString('utf8'),
    };
  }

  private refuse(
    reason: MeterRefusalReason,
    detail: string,
    declaredBytes: number,
    at: number,
  ): MeterRefusal {
    this.refusal = { ok: false, reason, detail, packetType: this.type, declaredBytes, at };
    return this.refusal;
  }
}

/** MQTT's Remaining Length varint. */
export function remainingLengthBytes(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}
