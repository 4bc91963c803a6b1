import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InboundPacketMeter,
  MAX_REMAINING_LENGTH,
  type SkippedPublish,
} from '../../gateway/uplink/inbound-packet-meter.ts';
import { remainingLength } from '../support/mqtt-bytes.ts';

/**
 * The uplink's inbound packet meter reads fixed headers. However TCP cuts the central broker's
 * bytes into chunks: a stream within the budget goes on untouched; a PUBLISH over it is skipped
 * (QoS 0: left out; QoS 1: handed on with no payload, to be acknowledged) without any of its
 * payload going on; any other packet over it is refused in the chunk where its header completes
 * (its body need not even be there), as is a Remaining Length of more than 4 bytes.
 */
const MAX = 4096;

/** What a server sends a client: CONNACK, PUBLISH, PUBACK..PUBCOMP, SUBACK, UNSUBACK, PINGRESP. */
const SERVER_TYPES = [2, 3, 4, 5, 6, 7, 9, 11, 13];

const header = (type: number, bodyBytes: number, flags = type === 6 ? 2 : 0) =>
  Buffer.concat([Buffer.from([(type << 4) | flags]), remainingLength(bodyBytes)]);
const packet = (type: number, bodyBytes: number) =>
  Buffer.concat([header(type, bodyBytes), Buffer.alloc(bodyBytes, 0x62)]);

/** A PUBLISH: flags DUP 0, QoS, RETAIN 0; the payload of `payload` bytes. */
function publish(qos: 0 | 1, topic: string, id: number, payload: number): Buffer {
  const t = Buffer.from(topic);
  const variable = Buffer.concat([
    Buffer.from([t.length >> 8, t.length & 0xff]),
    t,
    qos === 1 ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0),
  ]);
  return Buffer.concat([
    header(3, variable.length + payload, qos << 1),
    variable,
    Buffer.alloc(payload, 0x70),
  ]);
}

/** Cuts a buffer at the given fractions of its length (empty chunks included). */
function chunks(buf: Buffer, cuts: number[]): Buffer[] {
  const at = cuts.map((c) => Math.floor(c * buf.length)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(buf.subarray(from, c));
    from = c;
  }
  out.push(buf.subarray(from));
  return out;
}

/** Feeds every chunk; what went on, what was skipped, and the refusal if any. */
function run(meter: InboundPacketMeter, parts: Buffer[]) {
  const out: Uint8Array[] = [];
  const skipped: SkippedPublish[] = [];
  let offset = 0;
  for (const c of parts) {
    const v = meter.feed(c);
    if (!v.ok) return { out: Buffer.concat(out), skipped, refusal: v, refusedAt: offset + v.at };
    out.push(...v.out);
    skipped.push(...v.skipped);
    offset += c.length;
  }
  return { out: Buffer.concat(out), skipped, refusal: undefined, refusedAt: -1 };
}

const packets = fc.array(
  fc.record({ type: fc.constantFrom(...SERVER_TYPES), body: fc.integer({ min: 0, max: 700 }) }),
  { maxLength: 30 },
);
const cutPoints = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 16 });

describe('InboundPacketMeter', () => {
  it('passes any split of a stream within the budget on untouched, and counts its packets', () => {
    fc.assert(
      fc.property(packets, cutPoints, (list, cuts) => {
        const bytes = Buffer.concat(list.map((p) => packet(p.type, p.body)));
        const meter = new InboundPacketMeter(MAX);
        const r = run(meter, chunks(bytes, cuts));
        expect(r.refusal).toBeUndefined();
        expect(r.out.equals(bytes)).toBe(true);
        expect(r.skipped).toEqual([]);
        expect(meter.packets).toBe(list.length);
        expect(meter.bytes).toBe(bytes.length);
      }),
    );
  });

  it('skips a PUBLISH over the budget: QoS 0 left out, QoS 1 handed on without its payload', () => {
    const item = fc.oneof(
      fc.record({
        kind: fc.constant('small' as const),
        type: fc.constantFrom(...SERVER_TYPES),
        body: fc.integer({ min: 0, max: 300 }),
      }),
      fc.record({
        kind: fc.constant('publish' as const),
        qos: fc.constantFrom(0 as const, 1 as const),
        topic: fc.string({ maxLength: 40 }),
        id: fc.integer({ min: 1, max: 65_535 }),
        payload: fc.integer({ min: 0, max: 1200 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), cutPoints, (list, cuts) => {
        const MAX_SMALL = 512;
        const input: Buffer[] = [];
        const expected: Buffer[] = [];
        const skips: SkippedPublish[] = [];
        for (const p of list) {
          if (p.kind === 'small') {
            input.push(packet(p.type, p.body));
            expected.push(packet(p.type, p.body));
            continue;
          }
          const whole = publish(p.qos, p.topic, p.id, p.payload);
          input.push(whole);
          if (whole.length <= MAX_SMALL) expected.push(whole);
          else {
            if (p.qos === 1) expected.push(publish(1, p.topic, p.id, 0));
            skips.push({
              qos: p.qos,
              ...(p.qos === 1 ? { packetId: p.id } : {}),
              declaredBytes: whole.length,
              topic: p.topic,
            });
          }
        }
        const meter = new InboundPacketMeter(MAX_SMALL);
        const r = run(meter, chunks(Buffer.concat(input), cuts));
        expect(r.refusal).toBeUndefined();
        expect(r.out.equals(Buffer.concat(expected))).toBe(true);
        expect(r.skipped).toEqual(skips);
        expect(meter.packets).toBe(list.length);
      }),
    );
  });

  it('refuses any other packet over the budget in the chunk where its header completes, without its body', () => {
    const refusedKind = fc.oneof(
      fc.record({ type: fc.constantFrom(...SERVER_TYPES.filter((t) => t !== 3)), flags: fc.constant(0) }),
      fc.record({ type: fc.constant(3), flags: fc.constantFrom(4, 5, 6, 7, 12, 13) }), // QoS 2, 3
    );
    fc.assert(
      fc.property(
        packets,
        refusedKind,
        fc.integer({ min: MAX - 1, max: MAX_REMAINING_LENGTH }),
        fc.integer({ min: 0, max: 64 }),
        cutPoints,
        (before, kind, body, bodyPresent, cuts) => {
          const prefix = Buffer.concat(before.map((p) => packet(p.type, p.body)));
          const head = header(kind.type, body, kind.flags);
          const declared = head.length + body;
          fc.pre(declared > MAX);
          // Only a few bytes of the body follow: the refusal must not wait for more.
          const bytes = Buffer.concat([prefix, head, Buffer.alloc(Math.min(bodyPresent, body), 0x62)]);
          const meter = new InboundPacketMeter(MAX);
          const r = run(meter, chunks(bytes, cuts));
          expect(r.refusal).toMatchObject({
            ok: false,
            reason: 'oversized',
            packetType: kind.type,
            declaredBytes: declared,
          });
          expect(r.refusedAt).toBe(prefix.length + head.length - 1);
          // Of the refused chunk nothing went on: what went on is a prefix of the packets before.
          expect(prefix.subarray(0, r.out.length).equals(r.out)).toBe(true);
          expect(meter.packets).toBe(before.length);
          // Refused for good: nothing more is read.
          expect(meter.feed(Buffer.alloc(10))).toBe(meter.refused);
        },
      ),
    );
  });

  it('refuses a Remaining Length of a fifth byte at its fourth continuation byte', () => {
    fc.assert(
      fc.property(
        packets,
        fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 4, maxLength: 4 }),
        fc.uint8Array({ maxLength: 8 }),
        cutPoints,
        (before, continuations, after, cuts) => {
          const prefix = Buffer.concat(before.map((p) => packet(p.type, p.body)));
          const bytes = Buffer.concat([prefix, Buffer.from([0x30, ...continuations]), after]);
          const r = run(new InboundPacketMeter(MAX_REMAINING_LENGTH + 5), chunks(bytes, cuts));
          expect(r.refusal).toMatchObject({ ok: false, reason: 'malformed-length', packetType: 3 });
          expect(r.refusedAt).toBe(prefix.length + 4);
        },
      ),
    );
  });

  it('refuses a skipped PUBLISH whose topic is longer than the packet', () => {
    const meter = new InboundPacketMeter(100);
    const bytes = Buffer.concat([header(3, 200, 2), Buffer.from([0x01, 0x00])]);
    expect(meter.feed(bytes)).toMatchObject({ ok: false, reason: 'malformed-topic', at: bytes.length - 1 });
  });

  it('takes a packet of exactly the budget and refuses one byte more, at each varint width', () => {
    for (const body of [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MAX_REMAINING_LENGTH]) {
      const head = header(9, body);
      const total = head.length + body;
      expect(new InboundPacketMeter(total).feed(head)).toEqual({ ok: true, out: [head], skipped: [] });
      expect(new InboundPacketMeter(total - 1).feed(head)).toMatchObject({
        ok: false,
        reason: 'oversized',
        declaredBytes: total,
        at: head.length - 1,
      });
    }
  });

  it('reads a zero-length packet (PINGRESP) as whole at its header', () => {
    const meter = new InboundPacketMeter(MAX);
    expect(meter.feed(Buffer.from([0xd0]))).toEqual({ ok: true, out: [], skipped: [] });
    expect(meter.packets).toBe(0);
    // The header byte held from the first chunk goes on with the rest of its header.
    expect(meter.feed(Buffer.from([0x00, 0x20, 0x02, 0x00]))).toEqual({
      ok: true,
      out: [Uint8Array.from([0xd0, 0x00]), Buffer.from([0x20, 0x02, 0x00])],
      skipped: [],
    });
    expect(meter.packets).toBe(1);
    expect(meter.feed(Buffer.from([0x00]))).toMatchObject({ ok: true });
    expect(meter.packets).toBe(2);
  });
});
