import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Check } from '../../broker/packet-fields.ts';
import { PacketGuard } from '../../broker/packet-guard.ts';
import { remainingLength } from '../support/mqtt-bytes.ts';

/**
 * The packet guard's field walk, on bytes cut every way TCP could cut them: strings checked as
 * strict UTF-8 on their raw bytes, will QoS 3 and filterless (UN)SUBSCRIBEs refused.
 */
const str = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const pkt = (header: number, body: Buffer) =>
  Buffer.concat([Buffer.from([header]), remainingLength(body.length), body]);
const connect = (clientId: Buffer, flags = 0x02, rest: Buffer[] = []) =>
  pkt(
    0x10,
    Buffer.concat([str(Buffer.from('MQTT')), Buffer.from([4, flags, 0, 30]), str(clientId), ...rest]),
  );
const OK_CONNECT = connect(Buffer.from('ok'));

const strict = new TextDecoder('utf-8', { fatal: true });
function strictlyValid(b: Uint8Array): boolean {
  try {
    return !strict.decode(b).includes('\u0000');
  } catch {
    return false;
  }
}

/** The guard's verdict on these bytes, fed in pieces cut at `cuts`. */
function feed(bytes: Buffer, cuts: number[] = []): ReturnType<PacketGuard['feed']> {
  const guard = new PacketGuard(256 * 1024);
  let from = 0;
  let last: ReturnType<PacketGuard['feed']> = { ok: true, requests: [] };
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    last = guard.feed(bytes.subarray(from, cut));
    if (!last.ok) return last;
    from = cut;
  }
  return last;
}

const reason = (r: ReturnType<PacketGuard['feed']>) => (r.ok ? 'ok' : r.reason);

describe('Utf8Check', () => {
  it('accepts exactly what a fatal TextDecoder accepts (and no U+0000), however the bytes are cut', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s))),
      fc
        .array(
          fc.constantFrom(
            0x00,
            0x61,
            0x7f,
            0x80,
            0xbf,
            0xc0,
            0xc1,
            0xc2,
            0xdf,
            0xe0,
            0xa0,
            0xed,
            0x9f,
            0xf0,
            0x90,
            0xf4,
            0x8f,
            0xf5,
            0xff,
          ),
          { maxLength: 8 },
        )
        .map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(bytes, fc.nat(), (b, cutAt) => {
        const check = new Utf8Check();
        const cut = b.length === 0 ? 0 : cutAt % (b.length + 1);
        const bad = check.feed(b, 0, cut) ?? check.feed(b, cut, b.length);
        const ours = bad === undefined && check.complete();
        expect(ours).toBe(strictlyValid(b));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['overlong NUL', [0xc0, 0x80]],
    ['overlong slash', [0xe0, 0x80, 0xaf]],
    ['surrogate', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['lone continuation', [0x80]],
    ['truncated', [0xe2, 0x82]],
    ['NUL', [0x61, 0x00]],
  ])('refuses %s', (_, b) => {
    const check = new Utf8Check();
    const bad = check.feed(Uint8Array.from(b), 0, b.length);
    expect(bad !== undefined || !check.complete()).toBe(true);
  });
});

describe('PacketGuard field walk', () => {
  const bad: [string, Buffer][] = [
    ['client id, overlong NUL', connect(Buffer.from([0x61, 0xc0, 0x80]))],
    ['client id, surrogate', connect(Buffer.from([0xed, 0xa0, 0x80]))],
    ['client id, truncated', connect(Buffer.from([0x61, 0xe2, 0x82]))],
    ['user name', connect(Buffer.from('u'), 0x82, [str(Buffer.from([0xc0, 0x80]))])],
    [
      'will topic',
      connect(Buffer.from('w'), 0x06, [str(Buffer.from([0x61, 0xed, 0xbf, 0xbf])), str(Buffer.from('bye'))]),
    ],
    [
      'publish topic',
      Buffer.concat([
        OK_CONNECT,
        pkt(0x30, Buffer.concat([str(Buffer.from([0x61, 0xc0, 0x80, 0x62])), Buffer.from('x')])),
      ]),
    ],
    [
      'subscribe filter (the second)',
      Buffer.concat([
        OK_CONNECT,
        pkt(
          0x82,
          Buffer.concat([
            Buffer.from([0, 1]),
            str(Buffer.from('a/#')),
            Buffer.from([0]),
            str(Buffer.from([0xed, 0xa0, 0x80])),
            Buffer.from([0]),
          ]),
        ),
      ]),
    ],
    [
      'unsubscribe filter',
      Buffer.concat([OK_CONNECT, pkt(0xa2, Buffer.concat([Buffer.from([0, 1]), str(Buffer.from([0xff]))]))]),
    ],
  ];
  it.each(bad)('refuses malformed UTF-8 in a %s, however TCP cuts it', (_, bytes) => {
    expect(reason(feed(bytes))).toBe('malformed-utf8');
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 6 }), (cuts) => {
        expect(reason(feed(bytes, cuts))).toBe('malformed-utf8');
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a CONNECT of will QoS 3, and will QoS or retain without a will', () => {
    const will = [str(Buffer.from('t')), str(Buffer.from('bye'))];
    expect(reason(feed(connect(Buffer.from('w'), 0x02 | 0x04 | 0x18 | 0x20, will)))).toBe('connect-flags');
    expect(reason(feed(connect(Buffer.from('w'), 0x02 | 0x08)))).toBe('connect-flags');
    expect(reason(feed(connect(Buffer.from('w'), 0x02 | 0x20)))).toBe('connect-flags');
    expect(reason(feed(connect(Buffer.from('w'), 0x02 | 0x04 | 0x10 | 0x20, will)))).toBe('ok');
  });

  it('refuses an UNSUBSCRIBE or SUBSCRIBE with no filter, even with no packet identifier', () => {
    for (const p of [
      pkt(0xa2, Buffer.from([0, 1])),
      pkt(0x82, Buffer.from([0, 1])),
      pkt(0xa2, Buffer.alloc(0)),
    ]) {
      expect(reason(feed(Buffer.concat([OK_CONNECT, p])))).toBe('no-filters');
    }
  });

  it('lets well-formed packets through, cut anywhere, and keeps counting requests', () => {
    const good = Buffer.concat([
      connect(Buffer.from('🚚'.repeat(20)), 0x82 | 0x40 | 0x04 | 0x08, [
        str(Buffer.from('gatepost/ü/will')),
        str(Buffer.from([0xc0, 0x80, 0xff])), // the will payload is binary
        str(Buffer.from('名前')),
        str(Buffer.from([0xed, 0xa0, 0x80])), // the password is binary
      ]),
      pkt(0x30, Buffer.concat([str(Buffer.from('a/€/𝄞')), Buffer.from([0xc0, 0x80, 0x00])])), // payloads are binary
      pkt(0x32, Buffer.concat([str(Buffer.from('a/b')), Buffer.from([0, 7]), Buffer.from([0xff])])),
      pkt(
        0x82,
        Buffer.concat([
          Buffer.from([0, 2]),
          str(Buffer.from('x/+')),
          Buffer.from([1]),
          str(Buffer.from('')),
          Buffer.from([0]),
        ]),
      ),
      pkt(0xa2, Buffer.concat([Buffer.from([0, 3]), str(Buffer.from('x/+')), str(Buffer.from('y/#'))])),
      Buffer.from([0xc0, 0x00]),
    ]);
    const whole = feed(good);
    expect(whole).toEqual({
      ok: true,
      requests: [
        expect.any(Number),
        expect.any(Number),
        expect.any(Number),
        expect.any(Number),
        expect.any(Number),
      ],
    });
    fc.assert(
      fc.property(fc.array(fc.nat({ max: good.length }), { maxLength: 10 }), (cuts) => {
        expect(reason(feed(good, cuts))).toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('walks a 256 KiB SUBSCRIBE of 40,000 filters in bounded time', () => {
    const filters = Array.from({ length: 40_000 }, (_, i) =>
      Buffer.concat([str(Buffer.from(`f${i % 10}`)), Buffer.from([0])]),
    );
    const body = Buffer.concat([Buffer.from([0, 1]), ...filters]);
    const bytes = Buffer.concat([OK_CONNECT, pkt(0x82, body)]);
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const r = feed(
      bytes,
      Array.from({ length: 64 }, (_, i) => i * 3001),
    );
    const ms = performance.now() - t0;
    expect(r.ok).toBe(true);
    expect(ms).toBeLessThan(500);
    // The walk keeps a few steps, not one per filter.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
  });
});
