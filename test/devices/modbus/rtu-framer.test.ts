import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16Modbus, withCrc } from '../../../devices/modbus/crc.ts';
import { decodeReadResponse, readRequest, toInt16 } from '../../../devices/modbus/pdu.ts';
import { MAX_RTU_FRAME, RtuFramer, type RtuFramerOutput } from '../../../devices/modbus/rtu-framer.ts';
import { pollWireTimeMs, t35Ms } from '../../../devices/modbus/timing.ts';

const hexBytes = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const frames = (outs: RtuFramerOutput[]) =>
  outs.flatMap((o) => (o.kind === 'frame' ? [o.frame.toString('hex')] : []));
const line9600 = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

describe('CRC and PDUs against the vectors (test/fixtures/modbus/rtu-vectors.txt)', () => {
  it('computes the check value and the listed wire CRCs', () => {
    expect(crc16Modbus(Buffer.from('123456789'))).toBe(0x4b37);
    expect(withCrc(hexBytes('11 01 00 13 00 25')).toString('hex')).toBe('110100130025' + '0e84');
    expect(withCrc(hexBytes('12 34 23 45 34 56 45 67')).subarray(-2).toString('hex')).toBe('e2db');
  });

  it('builds the requests libmodbus answered in section D', () => {
    expect(readRequest(1, 0x04, 0, 2).toString('hex')).toBe('010400000002' + '71cb');
    expect(readRequest(1, 0x03, 0, 1).toString('hex')).toBe('010300000001' + '840a');
    expect(readRequest(0x11, 0x03, 0x6b, 3).toString('hex')).toBe('1103006b0003' + '7687');
  });

  it('decodes the responses of section D, signed where the map says so', () => {
    const r = decodeReadResponse(hexBytes('01 04 04 01 6D FF F6 AA 13'), 1, 0x04, 2);
    expect(r).toEqual({ kind: 'registers', registers: [0x016d, 0xfff6] });
    if (r.kind === 'registers') expect(r.registers.map(toInt16)).toEqual([365, -10]);
    expect(decodeReadResponse(hexBytes('01 83 02 C0 F1'), 1, 0x03, 1)).toEqual({
      kind: 'exception',
      exceptionCode: 2,
    });
  });

  it('frames the section B stream: a bad-CRC frame then a good one', () => {
    const f = new RtuFramer({ silenceMs: 4 });
    const outs = f.push(hexBytes('00 83 02 91 21 00 83 02 91 31'), 0);
    expect(frames(outs)).toEqual(['0083029131']);
    expect(outs.find((o) => o.kind === 'discard')).toMatchObject({ reason: 'crc', count: 5 });
  });

  it('rejects the SHORT and GARBAGE vectors without crashing', () => {
    const f = new RtuFramer({ silenceMs: 4 });
    expect(frames(f.push(hexBytes('08 10 13 BC 0F'), 0))).toEqual([]);
    expect(frames(f.push(hexBytes('00 83 02 F0 91 31'), 10))).toEqual([]);
    expect(f.buffered).toBeLessThanOrEqual(MAX_RTU_FRAME);
  });

  it('computes t3.5 and the poll wire time from the line settings', () => {
    expect(t35Ms(line9600)).toBeCloseTo(3.646, 2);
    expect(t35Ms({ ...line9600, baudRate: 38400 })).toBe(1.75);
    // 8-byte request + 9-byte answer + two t3.5 at 19200 8N1: 24 character times.
    expect(pollWireTimeMs(2, { ...line9600, baudRate: 19200 })).toBeCloseTo(12.5, 5);
  });
});

// ---- property-based ---------------------------------------------------------------------------

/** A valid response frame of a kind a master may see. */
const responseArb = fc.oneof(
  fc
    .record({
      a: fc.integer({ min: 1, max: 247 }),
      fn: fc.constantFrom(1, 2, 3, 4),
      data: fc.uint8Array({ minLength: 1, maxLength: 250 }),
    })
    .map(({ a, fn, data }) => withCrc(Buffer.from([a, fn, data.length, ...data]))),
  fc
    .record({
      a: fc.integer({ min: 1, max: 247 }),
      fn: fc.constantFrom(5, 6, 15, 16),
      body: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    })
    .map(({ a, fn, body }) => withCrc(Buffer.from([a, fn, ...body]))),
  fc
    .record({
      a: fc.integer({ min: 1, max: 247 }),
      fn: fc.integer({ min: 1, max: 127 }),
      ex: fc.integer({ min: 1, max: 11 }),
    })
    .map(({ a, fn, ex }) => withCrc(Buffer.from([a, fn | 0x80, ex]))),
);

function feed(
  f: RtuFramer,
  bytes: Uint8Array,
  cuts: number[],
  at: number,
  stepMs: number,
): RtuFramerOutput[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const outs: RtuFramerOutput[] = [];
  let prev = 0;
  let t = at;
  for (const p of [...points, bytes.length]) {
    if (p > prev) {
      outs.push(...f.push(bytes.subarray(prev, p), t));
      t += stepMs;
    }
    prev = p;
  }
  return outs;
}

describe('RtuFramer: adversarial byte streams (fast-check)', () => {
  it('never throws, never holds more than 256 bytes, and emits only CRC-valid frames', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ bytes: fc.uint8Array({ maxLength: 700 }), gap: fc.integer({ min: 0, max: 10 }) }),
          { maxLength: 30 },
        ),
        fc.boolean(),
        (chunks, withExpectation) => {
          const f = new RtuFramer({ silenceMs: 4 });
          if (withExpectation) f.expect({ address: 1, functionCode: 4, length: 11 });
          let at = 0;
          for (const { bytes, gap } of chunks) {
            at += gap;
            for (const out of f.push(bytes, at)) {
              if (out.kind === 'frame') {
                const n = out.frame.length;
                expect(n).toBeLessThanOrEqual(MAX_RTU_FRAME);
                expect(crc16Modbus(out.frame, 0, n - 2)).toBe(out.frame.readUInt16LE(n - 2));
              } else {
                expect(out.count).toBeGreaterThan(0);
                expect(out.head.length).toBeLessThanOrEqual(16);
              }
            }
            expect(f.buffered).toBeLessThanOrEqual(MAX_RTU_FRAME);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('recovers every valid frame that follows a 3.5-character silence after noise', () => {
    const silenceMs = t35Ms(line9600);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1000 }),
        fc.array(responseArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (noise, good, cuts) => {
          const f = new RtuFramer({ silenceMs });
          feed(f, noise, cuts, 0, 1);
          let at = 1000;
          const got: string[] = [];
          for (const frame of good) {
            // Each frame after a silence of t3.5; its own bytes arrive in chunks without one.
            got.push(...frames(feed(f, frame, cuts, at, 1)));
            at += 100;
          }
          expect(got).toEqual(good.map((g) => g.toString('hex')));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with the expected header, recovers the answer even when noise runs straight into it', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (noise, regs, cuts) => {
          const answer = withCrc(Buffer.from([1, 4, 6, ...regs]));
          const f = new RtuFramer({ silenceMs: 20 });
          f.expect({ address: 1, functionCode: 4, length: 11 });
          // Noise that itself ends in a valid-looking answer is not this property's business.
          fc.pre(!Buffer.from(noise).includes(Buffer.from([1, 4, 6])));
          const got = frames(feed(f, Buffer.concat([Buffer.from(noise), answer]), cuts, 0, 1));
          expect(got.at(-1)).toBe(answer.toString('hex'));
        },
      ),
      { numRuns: 500 },
    );
  });
});
