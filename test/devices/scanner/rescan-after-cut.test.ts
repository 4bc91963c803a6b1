import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScannerFramer, type ScannerFramerOutput, type Terminator } from '../../../devices/scanner/framer.ts';
import { implausibility } from '../../../devices/scanner/plausible-code.ts';

/**
 * Attack finding 4 on issue 18: a code cut off by a pause must not eat the rescan that follows
 * it (a burst after a silence that begins with a pass prefix is a new code), while the tail of
 * a cut code is still never a code (issue 18 item 9) unless it begins, by chance, with a prefix.
 */
const CHAR_MS = 10_000 / 9600;
const GAP = 100;
const RESYNC = 1000;
const TERM: Record<Terminator, string> = { CR: '\r', LF: '\n', CRLF: '\r\n' };
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function framer(terminator: Terminator = 'CR', stxEtx = false): ScannerFramer {
  return new ScannerFramer({
    terminator,
    stxEtx,
    maxCodeBytes: 4096,
    interByteGapMs: GAP,
    resyncSilenceMs: RESYNC,
    charTimeMs: CHAR_MS,
  });
}

const codes = (outs: ScannerFramerOutput[]) => outs.filter((o) => o.kind === 'code').map((o) => o.text);
const bads = (outs: ScannerFramerOutput[]) =>
  outs.flatMap((o) => (o.kind === 'bad' ? [{ reason: o.reason, bytes: o.bytes }] : []));

/** Pushes `bytes` as one burst starting on the wire at `start`, paced at 9600 baud; returns its end. */
function burst(
  f: ScannerFramer,
  bytes: Buffer,
  start: number,
  outs: ScannerFramerOutput[],
  chunk = 32,
): number {
  let end = start;
  for (let i = 0; i < bytes.length; i += chunk) {
    const part = bytes.subarray(i, i + chunk);
    end = start + (i + part.length) * CHAR_MS;
    outs.push(...f.push(part, end));
  }
  return end;
}

const gp1 = (seed: number, n: number) =>
  `GP1:${Array.from({ length: n }, (_, i) => (i % 40 === 39 ? '.' : B64URL[(seed * 7 + i * 13) % 64])).join('')}`;
const hc1 = (seed: number, n: number) =>
  `HC1:${Array.from({ length: n }, (_, i) => B45[(seed * 11 + i * 17) % 45]).join('')}`;

describe('ScannerFramer: a rescan after a cut code is read (attack finding 4)', () => {
  for (const terminator of ['CR', 'LF', 'CRLF'] as const) {
    for (const [name, p1, p2] of [
      ['GP1', gp1(1, 400), gp1(2, 400)],
      ['HC1', hc1(1, 400), hc1(2, 400)],
    ] as const) {
      it(`${name}, ${terminator}: 100 bytes of p1, then 400 ms later p2 whole: p2 is scanned`, () => {
        const f = framer(terminator);
        const outs: ScannerFramerOutput[] = [];
        const end = burst(f, Buffer.from(p1).subarray(0, 100), 0, outs);
        burst(f, Buffer.from(p2 + TERM[terminator]), end + 400, outs);
        expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: 100 }]);
        expect(codes(outs)).toEqual([p2]);
        // The truncated error comes before the code it made way for.
        expect(outs.map((o) => o.kind)).toEqual(['bad', 'code']);
        expect(f.busy).toBe(false);
      });
    }
  }

  it('a prefix that reaches the framer in pieces, within one burst, still starts a code', () => {
    const f = framer();
    const outs: ScannerFramerOutput[] = [];
    const p2 = gp1(3, 50);
    burst(f, Buffer.from(gp1(4, 200)).subarray(0, 80), 0, outs);
    burst(f, Buffer.from(`${p2}\r`), 500, outs, 1);
    expect(codes(outs)).toEqual([p2]);
    expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: 80 }]);
  });

  it('an over-long code cut by a pause does not eat the rescan either', () => {
    const f = new ScannerFramer({ terminator: 'CR', stxEtx: false, maxCodeBytes: 300, interByteGapMs: GAP });
    const outs: ScannerFramerOutput[] = [];
    const end = burst(f, Buffer.from(hc1(5, 400)), 0, outs);
    const p2 = hc1(6, 200);
    burst(f, Buffer.from(`${p2}\r`), end + 300, outs);
    expect(bads(outs)).toEqual([{ reason: 'too-long', bytes: 404 }]);
    expect(codes(outs)).toEqual([p2]);
  });
});

describe('ScannerFramer: the tail of a cut code is still no code (issue 18 item 9)', () => {
  it('a tail that does not begin with a pass prefix is discarded up to the terminator', () => {
    const code = hc1(7, 300);
    const bytes = Buffer.from(`${code}\r`);
    for (const cut of [1, 2, 3, 4, 5, 100, 303]) {
      const f = framer();
      const outs: ScannerFramerOutput[] = [];
      const end = burst(f, bytes.subarray(0, cut), 0, outs);
      burst(f, bytes.subarray(cut), end + 150, outs);
      expect(codes(outs), `cut at ${cut}`).toEqual([]);
      expect(bads(outs), `cut at ${cut}`).toEqual([{ reason: 'truncated', bytes: code.length }]);
    }
  });

  it('the prefix must begin a burst that follows a silence: inside a burst, or split by a pause, it is tail', () => {
    const p2 = hc1(8, 60);
    // Tail bytes, then the prefix in the same burst (no silence): tail.
    const inBurst = framer();
    const o1: ScannerFramerOutput[] = [];
    const e1 = burst(inBurst, Buffer.from('GP1:abcdef'), 0, o1);
    burst(inBurst, Buffer.from(`x${p2}\r`), e1 + 150, o1);
    expect(codes(o1)).toEqual([]);
    expect(bads(o1)).toEqual([{ reason: 'truncated', bytes: 10 + 1 + p2.length }]);
    // A prefix cut by a pause of its own: the burst that begins with `1:` is tail.
    const split = framer();
    const o2: ScannerFramerOutput[] = [];
    const e2 = burst(split, Buffer.from('GP1:abcdef'), 0, o2);
    const e3 = burst(split, Buffer.from('HC'), e2 + 150, o2);
    burst(split, Buffer.from(`${p2.slice(2)}\r`), e3 + 150, o2);
    expect(codes(o2)).toEqual([]);
    expect(bads(o2)).toEqual([{ reason: 'truncated', bytes: 10 + p2.length }]);
    // A burst that ends inside the prefix, then the terminator after a pause: all tail.
    const short = framer();
    const o3: ScannerFramerOutput[] = [];
    const e4 = burst(short, Buffer.from('HC1:ABC'), 0, o3);
    const e5 = burst(short, Buffer.from('HC1'), e4 + 150, o3);
    burst(short, Buffer.from('\r'), e5 + 150, o3);
    expect(bads(o3)).toEqual([{ reason: 'truncated', bytes: 10 }]);
  });

  it('STX/ETX mode keeps its own rule: only an STX ends the tail', () => {
    const f = framer('CR', true);
    const outs: ScannerFramerOutput[] = [];
    const e = burst(f, Buffer.from('\u0002GP1:abc'), 0, outs);
    burst(f, Buffer.from('HC1:XYZ\u0003\r'), e + 150, outs);
    expect(codes(outs)).toEqual([]);
    expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: 7 + 8 }]);
  });

  it('the residual risk, pinned: an HC1 tail that begins with a prefix at a fresh burst is read as a code', () => {
    // base45 can spell `HC1:` and `GP1:`; the tail is then a code (one that cannot verify:
    // it lacks the start of the zlib stream and the signature covers the whole pass).
    const f = framer();
    const outs: ScannerFramerOutput[] = [];
    const e = burst(f, Buffer.from('HC1:6BFOXN'), 0, outs);
    burst(f, Buffer.from('HC1:TS4L\r'), e + 150, outs);
    expect(bads(outs)).toEqual([{ reason: 'truncated', bytes: 10 }]);
    expect(codes(outs)).toEqual(['HC1:TS4L']);
  });
});

const PREFIX_AT = /^(?:GP1:|HC1:)/;

describe('ScannerFramer: property over cut points and pauses', () => {
  it('a rescan after a pause over the gap is always read; a tail is a code only when it begins with a prefix', () => {
    const passArb = fc.oneof(
      fc
        .string({ unit: fc.constantFrom(...B64URL, '.'), minLength: 1, maxLength: 600 })
        .map((s) => `GP1:${s}`),
      // Some HC1 bodies carry a prefix inside, so that some cuts fall right before it.
      fc
        .array(fc.oneof(fc.constantFrom(...B45), fc.constantFrom('HC1:', 'GP1:')), {
          minLength: 1,
          maxLength: 600,
        })
        .map((a) => `HC1:${a.join('')}`),
    );
    fc.assert(
      fc.property(
        passArb,
        passArb,
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: GAP + 2, max: RESYNC - 2 }),
        fc.integer({ min: GAP + 2, max: 3 * RESYNC }),
        fc.constantFrom<Terminator>('CR', 'LF', 'CRLF'),
        fc.integer({ min: 1, max: 64 }),
        (p1, p2, cutSeed, tailCame, tailPause, rescanPause, terminator, chunk) => {
          const cut = 1 + (cutSeed % (p1.length - 1 || 1));
          const bytes1 = Buffer.from(p1 + TERM[terminator]);
          const f = framer(terminator);
          const outs: ScannerFramerOutput[] = [];
          let end = burst(f, bytes1.subarray(0, Math.min(cut, p1.length)), 0, outs, chunk);
          const tail = p1.slice(cut);
          if (tailCame) end = burst(f, bytes1.subarray(cut), end + tailPause, outs, chunk);
          burst(f, Buffer.from(p2 + TERM[terminator]), end + rescanPause, outs, chunk);
          const got = codes(outs);
          // The rescan is always read, and it is the last code.
          expect(got.at(-1)).toBe(p2);
          // Before it, only a tail that came, at a fresh burst, beginning with a prefix, and
          // then as the code it spells (a plausible one) or as an implausible one.
          const tailFramed = tailCame && PREFIX_AT.test(tail);
          const tailIsCode = tailFramed && implausibility(tail) === undefined;
          expect(got.slice(0, -1)).toEqual(tailIsCode ? [tail] : []);
          // Every byte of p1 not framed as a code of its own is counted in one truncated error.
          expect(bads(outs)).toEqual([
            { reason: 'truncated', bytes: tailCame && !tailFramed ? p1.length : cut },
            ...(tailFramed && !tailIsCode ? [{ reason: 'implausible', bytes: tail.length }] : []),
          ]);
          expect(f.busy).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
