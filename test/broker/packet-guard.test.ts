import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CONNECT_BYTES, PacketGuard } from '../../broker/packet-guard.ts';
import { remainingLength } from '../support/mqtt-bytes.ts';

/**
 * The packet guard reads only fixed headers. Whatever the bytes and however TCP cuts them into
 * chunks, it finds the same packets, refuses exactly the oversized ones, and never throws.
 */
const MAX = 4096;
const REQUESTS = new Set([3, 8, 10, 12]);

/**
 * A packet of a type (1-14) with a body of `size` bytes of `a` (a SUBSCRIBE or UNSUBSCRIBE of at
 * least 3, a packet identifier and the start of a filter: one with no filter is refused).
 */
const packet = (type: number, size: number) => {
  const n = type === 8 || type === 10 ? Math.max(size, 3) : size;
  return Buffer.concat([
    Buffer.from([(type << 4) | (type === 3 ? 0 : 2)]),
    remainingLength(n),
    Buffer.alloc(n, 0x61),
  ]);
};

/** Cuts a buffer at the given fractions of its length. */
function chunks(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(buf.subarray(from, c));
    from = c;
  }
  out.push(buf.subarray(from));
  return out;
}

const stream = fc.array(
  fc.record({ type: fc.integer({ min: 2, max: 14 }), size: fc.integer({ min: 0, max: 600 }) }),
  {
    maxLength: 30,
  },
);
const cutPoints = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

describe('PacketGuard', () => {
  it('finds every request packet, whatever the chunking', () => {
    fc.assert(
      fc.property(stream, cutPoints, (packets, cuts) => {
        const all = [packet(1, 20), ...packets.map((p) => packet(p.type, p.size))];
        const expected: number[] = [];
        let offset = all[0]?.length ?? 0;
        packets.forEach((p, i) => {
          if (REQUESTS.has(p.type)) expected.push(offset);
          offset += all[i + 1]?.length ?? 0;
        });
        const guard = new PacketGuard(MAX);
        const found: number[] = [];
        let seen = 0;
        for (const c of chunks(Buffer.concat(all), cuts)) {
          const r = guard.feed(c);
          if (!r.ok) return false;
          found.push(...r.requests.map((x) => x + seen));
          seen += c.length;
        }
        expect(found).toEqual(expected);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a packet over the cap from its header alone, and everything after it', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX - 8, max: 10_000_000 }), cutPoints, (size, cuts) => {
        const total = 1 + remainingLength(size).length + size;
        const header = Buffer.concat([packet(1, 10), Buffer.from([0x30]), remainingLength(size)]);
        const guard = new PacketGuard(MAX);
        const results = chunks(header, cuts).map((c) => guard.feed(c));
        const last = results.at(-1);
        if (total <= MAX) expect(last?.ok).toBe(true);
        else
          expect(last).toEqual({
            ok: false,
            reason: 'oversized',
            detail: `packet of ${total} bytes, at most ${MAX}`,
          });
        expect(guard.feed(Buffer.from([0xc0, 0x00])).ok).toBe(total <= MAX);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes, and refuses what does not start with CONNECT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), cutPoints, (bytes, cuts) => {
        const guard = new PacketGuard(MAX);
        let last: ReturnType<PacketGuard['feed']> = { ok: true, requests: [] };
        for (const c of chunks(Buffer.from(bytes), cuts)) last = guard.feed(c);
        if (bytes.length > 0 && (bytes[0] ?? 0) >> 4 !== 1)
          expect(last).toMatchObject({ ok: false, reason: 'not-connect-first' });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a remaining length of more than four bytes, and the reserved packet types', () => {
    const g1 = new PacketGuard(MAX);
    expect(g1.feed(Buffer.concat([packet(1, 0), Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80])]))).toMatchObject(
      {
        ok: false,
        reason: 'malformed-length',
      },
    );
    const g2 = new PacketGuard(MAX);
    expect(g2.feed(Buffer.concat([packet(1, 0), Buffer.from([0xf0, 0x00])]))).toMatchObject({
      ok: false,
      reason: 'reserved-type',
    });
    const g3 = new PacketGuard(MAX);
    expect(g3.feed(Buffer.from([0x00, 0x00]))).toMatchObject({ ok: false, reason: 'not-connect-first' });
  });

  it('holds a CONNECT to MAX_CONNECT_BYTES (before the client is known), later packets to maxPacketBytes', () => {
    const big = 64 * 1024;
    const tooBigConnect = new PacketGuard(big);
    expect(
      tooBigConnect.feed(Buffer.concat([Buffer.from([0x10]), remainingLength(MAX_CONNECT_BYTES)])),
    ).toMatchObject({
      ok: false,
      reason: 'oversized',
    });
    const later = new PacketGuard(big);
    expect(later.feed(packet(1, 100))).toMatchObject({ ok: true });
    expect(later.feed(packet(3, MAX_CONNECT_BYTES * 2))).toMatchObject({ ok: true });
  });

  it('refuses a CONNECT of a protocol level other than 3 or 4, however the bytes are cut', () => {
    const name = (n: string) => Buffer.concat([Buffer.from([0, n.length]), Buffer.from(n)]);
    const connect = (n: string, level: number) => {
      const body = Buffer.concat([name(n), Buffer.from([level, 2, 0, 30, 0, 1, 0x61])]);
      return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.boolean(), cutPoints, (level, v3, cuts) => {
        const guard = new PacketGuard(MAX);
        let last: ReturnType<PacketGuard['feed']> = { ok: true, requests: [] };
        for (const c of chunks(connect(v3 ? 'MQIsdp' : 'MQTT', level), cuts)) last = guard.feed(c);
        const served = [3, 4, 0x83, 0x84].includes(level);
        expect(last.ok ? 'ok' : last.reason).toBe(served ? 'ok' : 'protocol-level');
      }),
      { numRuns: 300 },
    );
  });
});
