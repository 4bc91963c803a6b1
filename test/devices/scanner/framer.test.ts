import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ScannerFramer,
  type ScannerFramerOptions,
  type ScannerFramerOutput,
  type Terminator,
} from '../../../devices/scanner/framer.ts';
import { implausibility } from '../../../devices/scanner/plausible-code.ts';

const CR = 0x0d;
const LF = 0x0a;
const STX = 0x02;
const ETX = 0x03;
const TERM: Record<Terminator, number[]> = { CR: [CR], LF: [LF], CRLF: [CR, LF] };

function framer(overrides: Partial<ScannerFramerOptions> = {}): ScannerFramer {
  return new ScannerFramer({
    terminator: 'CR',
    stxEtx: false,
    maxCodeBytes: 4096,
    interByteGapMs: 100,
    ...overrides,
  });
}

const codes = (outs: ScannerFramerOutput[]) => outs.filter((o) => o.kind === 'code').map((o) => o.text);
const bads = (outs: ScannerFramerOutput[]) =>
  outs.flatMap((o) => (o.kind === 'bad' ? [{ reason: o.reason, bytes: o.bytes }] : []));

describe('ScannerFramer: datasheet section 1 rules', () => {
  it('ends a code at CR and ignores the LF right after it (CRLF scanners on a CR setting)', () => {
    const f = framer();
    const outs = f.push(Buffer.from('GP1:abc\r\nHC1:XYZ\r'), 0);
    expect(codes(outs)).toEqual(['GP1:abc', 'HC1:XYZ']);
    expect(bads(outs)).toEqual([]);
  });

  it('an LF that does not follow the terminating CR is a control character: no code', () => {
    const outs = framer().push(Buffer.from('a\nb\r'), 0);
    expect(codes(outs)).toEqual([]);
    expect(bads(outs)).toEqual([{ reason: 'implausible', bytes: 3 }]);
  });

  it('ends codes at LF in LF mode and at CR LF in CRLF mode, across chunk boundaries', () => {
    const lf = framer({ terminator: 'LF' });
    expect(codes([...lf.push(Buffer.from('one\ntw'), 0), ...lf.push(Buffer.from('o\n'), 5)])).toEqual([
      'one',
      'two',
    ]);
    const crlf = framer({ terminator: 'CRLF' });
    const outs = [...crlf.push(Buffer.from('ab\r'), 0), ...crlf.push(Buffer.from('\nc\r\n'), 5)];
    expect(codes(outs)).toEqual(['ab', 'c']);
    // A CR that no LF follows is a byte of the code, and a control character: not a code.
    const lone = framer({ terminator: 'CRLF' });
    expect(bads(lone.push(Buffer.from('a\rb\r\n'), 0))).toEqual([{ reason: 'implausible', bytes: 3 }]);
    // LF mode: a CR right before the LF is part of the terminator (a scanner left on CRLF).
    const lfOnCrlf = framer({ terminator: 'LF' });
    expect(codes(lfOnCrlf.push(Buffer.from('HC1:6BFOXN\r\n'), 0))).toEqual(['HC1:6BFOXN']);
  });

  it('ignores empty lines without reporting an error', () => {
    const f = framer();
    const outs = f.push(Buffer.from('\r\r\n\rX\r'), 0);
    expect(codes(outs)).toEqual(['X']);
    expect(bads(outs)).toEqual([]);
    const stx = framer({ stxEtx: true });
    expect(stx.push(Buffer.from([STX, ETX, CR]), 0)).toEqual([]);
  });

  it('accepts a code of exactly the cap and discards a longer one up to the next terminator', () => {
    const f = framer();
    const exact = Buffer.alloc(4096, 0x41);
    expect(codes(f.push(Buffer.concat([exact, Buffer.from([CR])]), 0))).toEqual([exact.toString()]);
    const long = Buffer.alloc(5000, 0x42);
    const outs = f.push(Buffer.concat([long, Buffer.from('\r')]), 1);
    expect(bads(outs)).toEqual([{ reason: 'too-long', bytes: 5000 }]);
    // After a quiet of the inter-byte gap, the next code is read.
    expect(codes(f.push(Buffer.from('next\r'), 200))).toEqual(['next']);
    expect(f.buffered).toBeLessThanOrEqual(4096);
  });

  it('the cap counts the code alone, not STX/ETX or the terminator', () => {
    const f = framer({ stxEtx: true, maxCodeBytes: 8 });
    const outs = f.push(Buffer.from([STX, ...Buffer.from('12345678'), ETX, CR]), 0);
    expect(codes(outs)).toEqual(['12345678']);
    expect(bads(f.push(Buffer.from([STX, ...Buffer.from('123456789'), ETX, CR]), 1))).toEqual([
      // 9 code bytes and the ETX are discarded up to the terminator.
      { reason: 'too-long', bytes: 10 },
    ]);
  });

  it('a gap of more than interByteGapMs truncates the code; exactly the gap does not', () => {
    const f = framer();
    f.push(Buffer.from('GP1:ab'), 0);
    // The bytes after the gap are the cut code's tail, not a code: discarded up to the
    // terminator and counted in the one truncated error (issue 18, item 9).
    const outs = f.push(Buffer.from('cd\r'), 101);
    expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: 8 }]);
    expect(codes(outs)).toEqual([]);
    f.push(Buffer.from('xy'), 300);
    expect(codes(f.push(Buffer.from('z\r'), 400))).toEqual(['xyz']);
  });

  it('measures the gap to where a chunk began on the wire: a late, whole chunk is no gap', () => {
    const f = framer({ charTimeMs: 10_000 / 9600 });
    f.push(Buffer.from('GP1:'), 0);
    // 200 bytes that arrive together 150 ms later were on the wire for ~207 ms: no pause.
    expect(codes(f.push(Buffer.from(`${'x'.repeat(199)}\r`), 150))).toEqual([`GP1:${'x'.repeat(199)}`]);
    f.push(Buffer.from('GP1:'), 1000);
    expect(bads(f.push(Buffer.from('y\r'), 1150))).toEqual([{ reason: 'truncated', bytes: 5 }]);
  });

  it('idle() reports a cut code whose tail never came after the resync silence', () => {
    const f = framer();
    f.push(Buffer.from('partial'), 1000);
    expect(f.idle(1100)).toEqual([]);
    expect(f.idle(1101)).toEqual([]); // cut: its tail may still come
    expect(f.busy).toBe(true);
    expect(f.quietDeadlineMs).toBe(1000);
    expect(f.idle(2000)).toEqual([]);
    expect(bads(f.idle(2001))).toEqual([{ reason: 'truncated', bytes: 7 }]);
    expect(f.busy).toBe(false);
    expect(f.idle(5000)).toEqual([]);
    expect(codes(f.push(Buffer.from('next\r'), 5001))).toEqual(['next']);
  });

  it('the tail of a code cut after 100 bytes by a 150 ms pause is never a code (issue 18, item 9)', () => {
    const f = framer({ charTimeMs: 10_000 / 9600 });
    const code = `HC1:${'6BF'.repeat(100)}`;
    const bytes = Buffer.from(`${code}\r`);
    const outs = [...f.push(bytes.subarray(0, 100), 0), ...f.push(bytes.subarray(100), 150 + 207)];
    expect(codes(outs)).toEqual([]);
    expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: code.length }]);
    // A tail that comes after a pause of nearly the resync silence is still a tail.
    f.push(Buffer.from('GP1:abc'), 5000);
    expect(codes(f.push(Buffer.from('def\r'), 5990))).toEqual([]);
    // STX/ETX: an STX ends the tail, the frame that starts there is read.
    const stx = framer({ stxEtx: true });
    stx.push(Buffer.from([STX, 0x41, 0x42]), 0);
    const o2 = stx.push(Buffer.from([0x43, STX, 0x44, ETX, CR]), 300);
    expect(bads(o2)).toEqual([{ reason: 'truncated', bytes: 3 }]);
    expect(codes(o2)).toEqual(['D']);
  });

  it('takes only plausible text as a code: no control characters, pass prefixes with their alphabet', () => {
    const cases: [string | number[], string][] = [
      ['A\u0007B', 'control-character'],
      ['A\u007fB', 'control-character'],
      ['A\u0085B', 'control-character'],
      ['A\ufffdB', 'not-text'],
      ['A\uffffB', 'not-text'],
      ['GP1:eyJ!bad', 'gp1-alphabet'],
      ['HC1:6bfoxn', 'hc1-alphabet'],
    ];
    let at = 0;
    const f = framer();
    for (const [text, why] of cases) {
      at += 200;
      const outs = f.push(Buffer.from(`${text}\r`), at);
      expect(codes(outs)).toEqual([]);
      expect(outs).toMatchObject([{ kind: 'bad', reason: 'implausible', why }]);
    }
    const valid = [
      'HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN4NN3',
      'GP1:eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ.c2ln',
      '晋D12345',
      'plain text, kept as an unverified code',
    ];
    for (const ok of valid) {
      at += 200;
      expect(codes(f.push(Buffer.from(`${ok}\r`), at))).toEqual([ok]);
    }
  });

  it('a babbling line: frames that follow a bad one in the same burst are one babble, never codes', () => {
    const f = framer();
    const burst = Buffer.from('A\u0000\rGP1:abc\rplausible\r\u00ff\rHC1:6BF\r', 'latin1');
    const outs = f.push(burst, 0);
    expect(codes(outs)).toEqual([]);
    expect(bads(outs)).toEqual([{ reason: 'nul', bytes: 2 }]);
    const end = f.idle(101);
    expect(end).toMatchObject([{ kind: 'bad', reason: 'babble', frames: 4, bytes: 7 + 9 + 1 + 7 }]);
    expect(f.busy).toBe(false);
    // After the quiet, codes are believed again.
    expect(codes(f.push(Buffer.from('GP1:abc\r'), 300))).toEqual(['GP1:abc']);
    // A babble that never pauses is reported once a second while it lasts.
    const g = framer();
    const reports: ScannerFramerOutput[] = [];
    for (let t = 0; t <= 5000; t += 10) reports.push(...g.push(Buffer.from('x\u0001\r'), t));
    expect(bads(reports).length).toBeGreaterThanOrEqual(5);
    expect(bads(reports).length).toBeLessThanOrEqual(6);
    const frames = reports.reduce((n, o) => n + (o.kind === 'bad' ? (o.frames ?? 1) : 0), 0);
    const last = g.idle(6000);
    const lastFrames = last[0]?.kind === 'bad' ? (last[0].frames ?? 0) : 0;
    // Every frame is in a report: the first alone, the other 500 in the babble reports.
    expect(frames + lastFrames).toBe(501);
  });

  it('rejects invalid UTF-8 and NUL bytes, and accepts multi-byte UTF-8', () => {
    const f = framer();
    expect(bads(f.push(Buffer.from([0x41, 0xc3, 0x28, CR]), 0))).toEqual([
      { reason: 'invalid-utf8', bytes: 3 },
    ]);
    expect(bads(f.push(Buffer.from([0x41, 0x00, 0x42, CR]), 200))).toEqual([{ reason: 'nul', bytes: 3 }]);
    expect(bads(f.push(Buffer.from([0xed, 0xa0, 0x80, CR]), 400))).toEqual([
      { reason: 'invalid-utf8', bytes: 3 },
    ]);
    expect(codes(f.push(Buffer.from('晋D12345\r'), 600))).toEqual(['晋D12345']);
  });

  it('STX/ETX: noise outside frames is discarded, an STX inside a frame restarts it', () => {
    const f = framer({ stxEtx: true });
    const outs = f.push(Buffer.from([0x55, 0x66, STX, 0x41, 0x42, STX, 0x43, ETX, CR, LF]), 0);
    expect(bads(outs)).toEqual([
      { reason: 'noise', bytes: 2 },
      { reason: 'truncated', bytes: 2 },
    ]);
    expect(codes(outs)).toEqual(['C']);
  });

  it('STX/ETX: a terminator before ETX, or junk between ETX and the terminator, spoils the frame', () => {
    const f = framer({ stxEtx: true });
    const outs = [
      ...f.push(Buffer.from([STX, 0x41, CR]), 0),
      ...f.push(Buffer.from([STX, 0x42, ETX, 0x58, CR]), 200),
      ...f.push(Buffer.from([STX, 0x43, ETX, CR]), 400),
    ];
    expect(bads(outs).map((b) => b.reason)).toEqual(['unframed', 'unframed', 'noise']);
    expect(codes(outs)).toEqual(['C']);
  });

  it('never reports code content beyond a 16-byte head', () => {
    const f = framer();
    const outs = f.push(Buffer.concat([Buffer.alloc(300, 0x41), Buffer.from([0xff, CR])]), 0);
    const bad = outs[0];
    expect(bad?.kind).toBe('bad');
    if (bad?.kind === 'bad') expect(bad.head.length).toBe(16);
  });
});

// ---- property-based ---------------------------------------------------------------------------

const optionsArb = fc.record({
  terminator: fc.constantFrom<Terminator>('CR', 'LF', 'CRLF'),
  stxEtx: fc.boolean(),
  maxCodeBytes: fc.constantFrom(1, 16, 300, 4096),
  interByteGapMs: fc.constant(100),
});

/** Splits bytes into chunks at random points, each with an arrival time. */
function chunked(
  bytes: Buffer,
  cuts: number[],
  start: number,
  stepMs: number,
): { chunk: Buffer; at: number }[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: { chunk: Buffer; at: number }[] = [];
  let prev = 0;
  let at = start;
  for (const p of [...points, bytes.length]) {
    if (p > prev) {
      out.push({ chunk: bytes.subarray(prev, p), at });
      at += stepMs;
    }
    prev = p;
  }
  return out;
}

/** A valid code for these options: UTF-8 text without NUL, terminator or framing bytes. */
function validCodeArb(max: number) {
  return fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''))
    .filter((s) => implausibility(s) === undefined)
    .map((s) => Buffer.from(s, 'utf8'))
    .filter((b) => b.length >= 1 && b.length <= max);
}

function frame(code: Buffer, o: ScannerFramerOptions): Buffer {
  const body = o.stxEtx ? [STX, ...code, ETX] : [...code];
  return Buffer.from([...body, ...TERM[o.terminator]]);
}

describe('ScannerFramer: adversarial byte streams (fast-check)', () => {
  it('never throws, never holds more than the cap, and emits only well-formed results', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(
          fc.record({ bytes: fc.uint8Array({ maxLength: 600 }), gap: fc.integer({ min: 0, max: 250 }) }),
          {
            maxLength: 30,
          },
        ),
        (o, chunks) => {
          const f = new ScannerFramer(o);
          let at = 0;
          for (const { bytes, gap } of chunks) {
            at += gap;
            const outs = gap % 3 === 0 ? [...f.idle(at), ...f.push(bytes, at)] : f.push(bytes, at);
            expect(f.buffered).toBeLessThanOrEqual(o.maxCodeBytes);
            for (const out of outs) {
              if (out.kind === 'code') {
                const b = Buffer.from(out.text, 'utf8');
                expect(b.length).toBe(out.bytes);
                expect(b.length).toBeGreaterThanOrEqual(1);
                expect(b.length).toBeLessThanOrEqual(o.maxCodeBytes);
                expect(b.includes(0)).toBe(false);
                // Whatever the bytes, nothing implausible is ever a code.
                expect(implausibility(out.text)).toBeUndefined();
              } else {
                expect(out.bytes).toBeGreaterThanOrEqual(0);
                expect(out.head.length).toBeLessThanOrEqual(16);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('recovers every valid code that follows noise, a terminator and a quiet line, however chunked', () => {
    fc.assert(
      fc.property(
        optionsArb.chain((o) =>
          fc.record({
            o: fc.constant(o),
            noise: fc.uint8Array({ maxLength: 5000 }),
            good: fc.array(validCodeArb(o.maxCodeBytes), { minLength: 1, maxLength: 4 }),
            cuts: fc.array(fc.nat(), { maxLength: 12 }),
          }),
        ),
        ({ o, noise, good, cuts }) => {
          const f = new ScannerFramer(o);
          const outs: ScannerFramerOutput[] = [
            ...f.push(Buffer.concat([Buffer.from(noise), Buffer.from(TERM[o.terminator])]), 0),
          ];
          const stream = Buffer.concat(good.map((g) => frame(g, o)));
          for (const { chunk, at } of chunked(stream, cuts, 1001, 7)) outs.push(...f.push(chunk, at));
          const got = codes(outs);
          expect(got.slice(-good.length)).toEqual(good.map((g) => g.toString('utf8')));
          expect(f.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('recovers a valid code that follows noise after the resync silence', () => {
    fc.assert(
      fc.property(
        optionsArb.chain((o) =>
          fc.record({
            o: fc.constant(o),
            noise: fc.uint8Array({ minLength: 1, maxLength: 5000 }),
            good: validCodeArb(o.maxCodeBytes),
          }),
        ),
        ({ o, noise, good }) => {
          const f = new ScannerFramer(o);
          const outs = [...f.push(noise, 0), ...f.push(frame(good, o), 1001)];
          expect(codes(outs).at(-1)).toBe(good.toString('utf8'));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ScannerFramer: no cut tail and no babble is ever a code (fast-check)', () => {
  it('a code cut by a pause shorter than the resync silence yields one truncated error, no code', () => {
    fc.assert(
      fc.property(
        optionsArb
          .filter((o) => o.maxCodeBytes >= 16)
          .chain((o) =>
            fc.record({
              o: fc.constant(o),
              code: validCodeArb(o.maxCodeBytes).filter((b) => b.length >= 2),
              cut: fc.nat(),
              pause: fc.integer({ min: 101, max: 1000 }),
            }),
          ),
        ({ o, code, cut, pause }) => {
          const f = new ScannerFramer(o);
          const bytes = frame(code, o);
          // Cut inside the code itself (after STX, before ETX).
          const k = (o.stxEtx ? 1 : 0) + 1 + (cut % (code.length - 1));
          const outs = [...f.push(bytes.subarray(0, k), 0), ...f.push(bytes.subarray(k), pause)];
          expect(codes(outs)).toEqual([]);
          // With STX/ETX the ETX is discarded with the tail.
          expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: code.length + (o.stxEtx ? 1 : 0) }]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('after a bad frame, nothing in the same burst is a code', () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 20 }),
        (o, frames) => {
          const f = new ScannerFramer(o);
          const bad = frame(Buffer.from([0x41, 0x00]), o); // a NUL: bad whatever the options
          const burst = Buffer.concat([bad, ...frames.map((b) => frame(Buffer.from(b), o))]);
          expect(codes(f.push(burst, 0))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
