import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ESCPOS_PARSER_LIMITS, EscPosParser } from '../../../sim/devices/printer/escpos-parser.ts';
import { bytes, parseChunks, qrStore, receiptsOf } from './escpos-bytes.ts';

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

describe('ESC/POS parser: documented commands', () => {
  it('parses the QR example of a printer manual (model, size 3, level L, store "ABC", centre, size query, print)', () => {
    // The worked example of the CSN-80V manual's "Printing QR code" entry, byte for byte:
    // 1b 40 / 1d 28 6b 03 00 31 43 03 / 1d 28 6b 03 00 31 45 30 / 1d 28 6b 06 00 31 50 30 41 42 43 /
    // 1b 61 01 / 1d 28 6b 03 00 31 52 30 / 1d 28 6b 03 00 31 51 30
    const hex =
      '1b40 1d286b0300314303 1d286b0300314530 1d286b06003150304142 43 1b6101 1d286b0300315230 1d286b0300315130';
    const stream = Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
    const { commands, stats } = parseChunks([stream]);
    expect(commands).toEqual([
      { kind: 'init' },
      { kind: 'qr-module-size', dots: 3 },
      { kind: 'qr-error-correction', level: 'L' },
      { kind: 'qr-store', data: Uint8Array.from(Buffer.from('ABC')) },
      { kind: 'align', align: 'centre' },
      { kind: 'qr-print' },
    ]);
    // fn 82 (transmit the symbol's size) is known, skipped by its length.
    expect(stats.skippedCommands).toBe(1);
    expect(stats.unknownCommands).toBe(0);
    const [receipt] = receiptsOf(bytes(stream, GS, 0x56, 0x00));
    expect(receipt?.items).toMatchObject([
      { kind: 'qr', data: 'ABC', moduleSize: 3, errorCorrection: 'L', model: 2, align: 'centre' },
    ]);
  });

  it('reads the Epson model, module size and error correction functions (165/167/169 = fn 65/67/69, cn 49)', () => {
    const { commands } = parseChunks([
      bytes(GS, '(k', 4, 0, 49, 65, 50, 0), // model 2
      bytes(GS, '(k', 4, 0, 49, 65, 49, 0), // model 1
      bytes(GS, '(k', 3, 0, 49, 67, 16), // module 16 dots
      ...[48, 49, 50, 51].map((n) => bytes(GS, '(k', 3, 0, 49, 69, n)),
    ]);
    expect(commands).toEqual([
      { kind: 'qr-model', model: 2 },
      { kind: 'qr-model', model: 1 },
      { kind: 'qr-module-size', dots: 16 },
      { kind: 'qr-error-correction', level: 'L' },
      { kind: 'qr-error-correction', level: 'M' },
      { kind: 'qr-error-correction', level: 'Q' },
      { kind: 'qr-error-correction', level: 'H' },
    ]);
  });

  it('cuts with every GS V form and keeps parsing in step after the ones with a feed byte', () => {
    const { commands } = parseChunks([
      bytes(GS, 'V', 0, GS, 'V', 1, GS, 'V', 48, GS, 'V', 49, GS, 'V', 65, 40, GS, 'V', 66, 0x0a, 'ok', 0x0a),
    ]);
    expect(commands).toEqual([
      { kind: 'cut', partial: false, feedDots: 0 },
      { kind: 'cut', partial: true, feedDots: 0 },
      { kind: 'cut', partial: false, feedDots: 0 },
      { kind: 'cut', partial: true, feedDots: 0 },
      { kind: 'cut', partial: false, feedDots: 40 },
      // The 0x0A after GS V 66 is its n (feed 10 dots), not a line feed.
      { kind: 'cut', partial: true, feedDots: 10 },
      { kind: 'text', bytes: Uint8Array.from(Buffer.from('ok')) },
      { kind: 'line-feed' },
    ]);
  });

  it('decodes Chinese text in GB18030 after FS & and single-byte text after FS .', () => {
    // GB18030: 中 = D6 D0, 文 = CE C4 (two-byte, as GB2312); U+0080 = 81 30 81 30 (the first four-byte code).
    const stream = bytes(
      ESC,
      't',
      0,
      FS,
      '&',
      0xd6,
      0xd0,
      0xce,
      0xc4,
      0x81,
      0x30,
      0x81,
      0x30,
      0x0a,
      FS,
      '.',
      'A1',
      0x0a,
    );
    const [receipt] = receiptsOf(bytes(stream, GS, 'V', 0));
    expect(receipt?.items.map((i) => (i.kind === 'text' ? i.text : i.kind))).toEqual(['中文\u0080', 'A1']);
  });

  it('drops a line not yet printed on ESC @ and keeps the printed ones', () => {
    const [receipt] = receiptsOf(bytes('printed', 0x0a, 'half a line', ESC, '@', 'after', 0x0a, GS, 'V', 0));
    expect(receipt?.items.map((i) => (i.kind === 'text' ? i.text : i.kind))).toEqual(['printed', 'after']);
  });

  it('answers nothing itself but reports DLE EOT n and GS r 1 as requests', () => {
    const { commands } = parseChunks([bytes(DLE, 4, 1, DLE, 4, 2, DLE, 4, 4, GS, 'r', 1, DLE, 4, 9)]);
    expect(commands).toEqual([
      { kind: 'status-request', n: 1 },
      { kind: 'status-request', n: 2 },
      { kind: 'status-request', n: 4 },
      { kind: 'paper-sensor-request' },
    ]);
  });

  it('skips known commands by their documented length and counts unknown ones', () => {
    const { commands, stats } = parseChunks([
      bytes(
        ESC,
        '-',
        1, // underline on (1 byte)
        ESC,
        '$',
        10,
        0, // absolute position (2)
        ESC,
        'p',
        0,
        25,
        250, // drawer kick (3)
        FS,
        '(A',
        2,
        0,
        48,
        0, // FS ( A: 2 bytes by pL pH
        GS,
        '(E',
        3,
        0,
        1,
        2,
        3, // GS ( E: 3 bytes by pL pH
        GS,
        'k',
        4,
        '1234',
        0, // barcode, NUL-terminated
        GS,
        'k',
        73,
        3,
        'abc', // barcode, counted
        GS,
        'v0',
        0,
        1,
        0,
        2,
        0,
        0xff,
        0x81, // a raster image of 8×2 dots
        ESC,
        'Z', // unknown
        'end',
        0x0a,
      ),
    ]);
    expect(commands.map((c) => c.kind)).toEqual(['raster', 'text', 'line-feed']);
    expect(commands[1]).toEqual({ kind: 'text', bytes: Uint8Array.from(Buffer.from('end')) });
    expect(stats.skippedCommands).toBe(7);
    expect(stats.unknownCommands).toBe(1);
  });
});

/** Fragments of ESC/POS: commands the printer acts on, ones it skips, text, and raw noise. */
const fragment = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => bytes(s.replace(/[^\x20-\x7e]/g, '.'), 0x0a)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map(qrStore),
  fc.integer({ min: 0, max: 255 }).map((n) => bytes(DLE, 4, n)),
  fc.integer({ min: 0, max: 255 }).map((n) => bytes(GS, '!', n)),
  fc.constantFrom(
    bytes(GS, 'V', 66, 3),
    bytes(ESC, '@'),
    bytes(FS, '&'),
    bytes(FS, '.'),
    bytes(GS, '(k', 3, 0, 49, 81, 48),
  ),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }))
    .chain(([w, h]) =>
      fc.uint8Array({ minLength: w * h, maxLength: w * h }).map((d) => bytes(GS, 'v0', 0, w, 0, h, 0, d)),
    ),
);

describe('ESC/POS parser: streaming', () => {
  it('gives the same commands and counters however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (parts, cuts) => {
          const stream = bytes(...parts);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            chunks.push(stream.subarray(from, p));
            from = p;
          }
          const whole = parseChunks([stream]);
          const split = parseChunks(chunks);
          const byteWise = parseChunks([...stream].map((b) => Uint8Array.of(b)));
          expect(split).toEqual(whole);
          expect(byteWise).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps its memory bounded on megabytes of hostile input', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let commands = 0;
    const parsers: EscPosParser[] = [];
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    // 2 MB of noise rich in prefixes, then claims of oversize data (GS ( k: a 65 kB QR; GS v 0:
    // 255 × 2000 bytes; GS 8 L: a 4 GB raster) each followed by 2 MB of random bytes. A claim
    // swallows its declared length, as on a printer, so each phase has a parser of its own.
    const claims = [
      undefined,
      bytes(GS, '(k', 0xff, 0xff, 49, 80, 48),
      bytes(GS, 'v0', 0, 0xff, 0, 0xd0, 0x07),
      bytes(GS, '8L', 0xff, 0xff, 0xff, 0xff, 48, 112, 48, 1, 1, 49, 0xff, 0xff, 0xff, 0xff),
    ];
    const noise = new Uint8Array(65_536);
    const prefixes = [ESC, FS, GS, DLE, 0x28, 0x6b, 0x4c, 0x38, 0x76, 0x30];
    for (const claim of claims) {
      const parser = new EscPosParser(() => {
        commands += 1;
      });
      parsers.push(parser);
      if (claim) parser.push(claim);
      for (let i = 0; i < 32; i++) {
        for (let j = 0; j < noise.length; j++) {
          const r = Math.random();
          noise[j] =
            claim || r > 0.3 ? Math.floor(r * 256) : (prefixes[Math.floor(r * 97) % prefixes.length] ?? 0);
        }
        parser.push(noise);
        if (i % 8 === 7) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        }
      }
      parser.end();
    }
    expect(parsers.reduce((n, p) => n + p.stats.bytes, 0)).toBeGreaterThan(8_000_000);
    for (const p of parsers.slice(1)) expect(p.stats.oversizeCommands).toBeGreaterThanOrEqual(1);
    expect(commands).toBeGreaterThan(0);
    // Retained heap stays within a few times the parser's own budgets, far under the 8 MB pushed.
    const budget = ESCPOS_PARSER_LIMITS.maxRasterBytes * 8;
    expect(peak).toBeLessThan(budget);
  });
});
