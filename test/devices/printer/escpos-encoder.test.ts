import { createRequire } from 'node:module';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../core/errors.ts';
import { encodeReceipt, printableText } from '../../../devices/printer/escpos-encoder.ts';
import { RECEIPT_LIMITS, type Receipt } from '../../../devices/printer/receipt.ts';

/**
 * The ESC/POS encoder against the command reference (Epson, ESC/POS Command Reference,
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/ — ESC @, ESC a, ESC E, GS !,
 * FS &, FS ., ESC d, GS V, and GS ( k <Function 165, 167, 169, 180, 181> for QR Code), against
 * receiptline (an independent ESC/POS generator), and against a walker written here from the
 * reference that accepts only the commands the encoder is meant to emit.
 */
const require = createRequire(import.meta.url);
const receiptline = require('receiptline') as {
  transform: (doc: string, options: Record<string, unknown>) => string;
};

const hex = (bytes: Iterable<number>): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

function encoded(receipt: Receipt): Buffer {
  const r = encodeReceipt(receipt);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

type Token =
  | { kind: 'init' | 'kanji-on' | 'kanji-off' | 'lf' | 'cut' }
  | { kind: 'align' | 'bold' | 'size' | 'feed'; n: number }
  | { kind: 'qr'; fn: number; params: number[] }
  | { kind: 'text'; bytes: number[] };

/**
 * Walks ESC/POS bytes, accepting only the commands a receipt may hold; any other byte below 0x20
 * (a command the encoder never means to send) fails the walk.
 */
function walk(bytes: Buffer): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const need = (n: number): number[] => {
    if (i + n > bytes.length) throw new Error(`command cut short at ${i}`);
    const out = [...bytes.subarray(i, i + n)];
    i += n;
    return out;
  };
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b >= 0x20) {
      const start = i;
      while (i < bytes.length && (bytes[i] as number) >= 0x20) i++;
      tokens.push({ kind: 'text', bytes: [...bytes.subarray(start, i)] });
      continue;
    }
    if (b === 0x0a) {
      tokens.push({ kind: 'lf' });
      i++;
      continue;
    }
    const [c0, c1] = need(2) as [number, number];
    const two = (c0 << 8) | c1;
    switch (two) {
      case 0x1b40:
        tokens.push({ kind: 'init' });
        break;
      case 0x1c26:
        tokens.push({ kind: 'kanji-on' });
        break;
      case 0x1c2e:
        tokens.push({ kind: 'kanji-off' });
        break;
      case 0x1b61:
        tokens.push({ kind: 'align', n: need(1)[0] as number });
        break;
      case 0x1b45:
        tokens.push({ kind: 'bold', n: need(1)[0] as number });
        break;
      case 0x1d21:
        tokens.push({ kind: 'size', n: need(1)[0] as number });
        break;
      case 0x1b64:
        tokens.push({ kind: 'feed', n: need(1)[0] as number });
        break;
      case 0x1d56: {
        const [m, n] = need(2);
        if (m !== 66 || n !== 0) throw new Error(`GS V ${m} ${n} is not the cut we send`);
        tokens.push({ kind: 'cut' });
        break;
      }
      case 0x1d28: {
        const [k, pL, pH, cn, fn] = need(5) as number[];
        if (k !== 0x6b || cn !== 49) throw new Error(`GS ( ${k} cn ${cn} is not GS ( k for QR`);
        const len = (pL as number) + (pH as number) * 256;
        tokens.push({ kind: 'qr', fn: fn as number, params: need(len - 2) });
        break;
      }
      default:
        throw new Error(`unexpected command ${hex([c0, c1])} at ${i - 2}`);
    }
  }
  return tokens;
}

/** The printed lines of a walk: text bytes decoded (GB18030 between FS & and FS .), split at LF. */
function printedLines(tokens: Token[]): string[] {
  const lines: string[] = [];
  let current = '';
  let kanji = false;
  for (const t of tokens) {
    if (t.kind === 'kanji-on') kanji = true;
    else if (t.kind === 'kanji-off') kanji = false;
    else if (t.kind === 'text')
      current += kanji ? iconv.decode(Buffer.from(t.bytes), 'gb18030') : String.fromCharCode(...t.bytes);
    else if (t.kind === 'lf') {
      lines.push(current);
      current = '';
    }
  }
  return lines;
}

describe('ESC/POS encoder: the bytes of each command (Epson ESC/POS command reference)', () => {
  it('initialises, sets alignment, bold and size, prints ASCII text and cuts', () => {
    const bytes = encoded({
      lines: [{ kind: 'text', text: 'GATE 3', align: 'centre', bold: true, size: 2 }, { kind: 'cut' }],
    });
    expect(hex(bytes)).toBe(
      [
        '1b 40', // ESC @
        '1b 61 01', // ESC a 1: centre
        '1b 45 01', // ESC E 1: bold
        '1d 21 11', // GS ! 0x11: double width and height
        '47 41 54 45 20 33 0a', // GATE 3 LF
        '1b 45 00 1d 21 00', // back to plain
        '1d 56 42 00', // GS V 66 0: feed to the cutter and cut partially
      ].join(' '),
    );
  });

  it('prints Chinese as GB18030 in Kanji mode: 沪 BBA6, 车 B3B5, 牌 C5C6 (GB 2312 code points)', () => {
    const bytes = encoded({ lines: [{ kind: 'text', text: '车牌 沪A' }] });
    expect(hex(bytes)).toBe(
      '1b 40 1b 61 00 1b 45 00 1d 21 00 1c 26 b3 b5 c5 c6 1c 2e 20 1c 26 bb a6 1c 2e 41 0a',
    );
  });

  it('QR code: GS ( k functions 165, 167, 169, 180 (pL pH = k + 3), 181 as the reference lays them out', () => {
    const bytes = encoded({
      lines: [{ kind: 'qr', data: 'GP1.abc', moduleSize: 6, errorCorrection: 'M', align: 'centre' }],
    });
    expect(hex(bytes)).toBe(
      [
        '1b 40 1b 61 01',
        '1d 28 6b 04 00 31 41 32 00', // fn 65: model 2
        '1d 28 6b 03 00 31 43 06', // fn 67: module 6 dots
        '1d 28 6b 03 00 31 45 31', // fn 69: error correction M (49)
        '1d 28 6b 0a 00 31 50 30 47 50 31 2e 61 62 63', // fn 80: store "GP1.abc" (7 + 3 = 10)
        '1d 28 6b 03 00 31 51 30', // fn 81: print
        '0a',
      ].join(' '),
    );
  });

  it('a QR code of 300 bytes has pL 0x2f pH 0x01 (303 = 0x12f)', () => {
    const data = 'x'.repeat(300);
    const bytes = encoded({ lines: [{ kind: 'qr', data }] });
    const store = bytes.indexOf(Buffer.from([0x1d, 0x28, 0x6b, 0x2f, 0x01, 0x31, 0x50, 0x30]));
    expect(store).toBeGreaterThan(0);
    expect(bytes.subarray(store + 8, store + 8 + 300).toString()).toBe(data);
  });

  it('feeds with ESC d n', () => {
    expect(hex(encoded({ lines: [{ kind: 'feed', lines: 3 }] }))).toBe('1b 40 1b 64 03');
  });
});

describe('ESC/POS encoder against receiptline (an independent ESC/POS generator)', () => {
  // receiptline 4 draws QR codes as raster images (GS 8 L), not GS ( k, so only the text,
  // initialise and cut bytes can be compared with it; the QR bytes are checked above against
  // the command reference's layout.
  const transform = (doc: string): Buffer =>
    Buffer.from(
      receiptline.transform(doc, { command: 'escpos', encoding: 'gb18030', cpl: 48, cutting: true }),
      'binary',
    );

  it('starts with the same ESC @ and cuts with the same GS V 66 0', () => {
    const theirs = transform('abc\n=');
    const ours = encoded({ lines: [{ kind: 'text', text: 'abc' }, { kind: 'cut' }] });
    expect(hex(theirs.subarray(0, 2))).toBe(hex(ours.subarray(0, 2)));
    expect(theirs.includes(Buffer.from([0x1d, 0x56, 0x42, 0x00]))).toBe(true);
    expect(hex(ours.subarray(-4))).toBe('1d 56 42 00');
  });

  it('encodes the same GB18030 text bytes for Chinese plates and names', () => {
    for (const text of ['车牌 沪A12345', '京B·D1234 张三', '粤Z-1234港', '司机 王小明 甘A88888']) {
      const theirs = transform(text);
      // receiptline: ... ESC t 0, FS &, the text, LF (Kanji mode on for the whole line).
      const start = theirs.indexOf(Buffer.from([0x1b, 0x74, 0x00, 0x1c, 0x26])) + 5;
      const theirText = theirs.subarray(start, theirs.indexOf(0x0a, start));
      const ours = walk(encoded({ lines: [{ kind: 'text', text }] }))
        .flatMap((t) => (t.kind === 'text' ? t.bytes : []))
        .filter((b) => b !== undefined);
      expect(hex(ours), text).toBe(hex(theirText));
    }
  });
});

describe('ESC/POS encoder properties', () => {
  // Any text at all, with plenty of control characters, ESC/GS/DLE/FS sequences and Chinese.
  const hostile = fc.string({
    unit: fc.oneof(
      fc.constantFrom(
        '\x1b',
        '\x1d',
        '\x10',
        '\x1c',
        '\x00',
        '\n',
        '\r',
        '\t',
        '\x7f',
        '\x85',
        'V',
        '@',
        'i',
      ),
      fc.constantFrom('沪', '京', '车', '😀', '\ud800', '·'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: RECEIPT_LIMITS.maxTextChars,
  });

  it('no text can produce a command other than the ones the encoder emits, and every text prints as itself', () => {
    fc.assert(
      fc.property(hostile, fc.boolean(), fc.integer({ min: 1, max: 8 }), (text, bold, size) => {
        const bytes = encoded({ lines: [{ kind: 'text', text, bold, size }, { kind: 'cut' }] });
        const tokens = walk(bytes);
        expect(tokens.filter((t) => t.kind === 'cut')).toHaveLength(1);
        expect(tokens.filter((t) => t.kind === 'init')).toHaveLength(1);
        expect(tokens.filter((t) => t.kind === 'qr')).toHaveLength(0);
        const expected = text.split('\n').map((line) =>
          // What GB18030 can carry: a lone surrogate has no code, iconv writes '?' for it.
          iconv.decode(iconv.encode(printableText(line), 'gb18030'), 'gb18030'),
        );
        expect(printedLines(tokens)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a QR line store length always matches its data (pL + 256 pH = bytes + 3), and the data is sent as is', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: 700 })
          .filter((s) => Buffer.byteLength(s) <= RECEIPT_LIMITS.maxQrBytes && !s.includes('\x10')),
        fc.constantFrom('L', 'M', 'Q', 'H' as const),
        fc.integer({ min: 1, max: 16 }),
        (data, errorCorrection, moduleSize) => {
          const tokens = walk(encoded({ lines: [{ kind: 'qr', data, errorCorrection, moduleSize }] }));
          const qr = tokens.filter((t): t is Extract<Token, { kind: 'qr' }> => t.kind === 'qr');
          expect(qr.map((t) => t.fn)).toEqual([65, 67, 69, 80, 81]);
          expect(qr[1]?.params).toEqual([moduleSize]);
          expect(qr[2]?.params).toEqual([{ L: 48, M: 49, Q: 50, H: 51 }[errorCorrection]]);
          const store = qr[3] as { params: number[] };
          expect(store.params[0]).toBe(48);
          expect(Buffer.from(store.params.slice(1)).toString('utf8')).toBe(data);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ESC/POS encoder budgets: refused before any work', () => {
  it('refuses a receipt of too many lines, an overlong text or QR, and a malformed one', () => {
    const cases: unknown[] = [
      { lines: Array.from({ length: RECEIPT_LIMITS.maxLines + 1 }, () => ({ kind: 'cut' })) },
      { lines: [{ kind: 'text', text: 'x'.repeat(RECEIPT_LIMITS.maxTextChars + 1) }] },
      { lines: [{ kind: 'qr', data: 'é'.repeat(RECEIPT_LIMITS.maxQrBytes / 2 + 1) }] },
      { lines: [] },
      { lines: [{ kind: 'text', text: 'x', extra: 1 }] },
      { lines: [{ kind: 'feed', lines: 17 }] },
      // DLE EOT in a QR code's data: a printer may answer it as a real-time status request.
      { lines: [{ kind: 'qr', data: 'GP1.\x10\x04\x01' }] },
      'not a receipt',
      null,
    ];
    for (const c of cases) {
      const r = encodeReceipt(c);
      expect(r.ok, JSON.stringify(c)?.slice(0, 80)).toBe(false);
      if (!r.ok) expect(r.errorCode).toBe(ErrorCode.ReceiptRefused);
    }
  });

  it('a hostile receipt (a million lines, a 64 MB string) is refused in milliseconds and with no memory to speak of', () => {
    const huge = 'A'.repeat(64 * 1024 * 1024);
    const million = { lines: new Array(1_000_000).fill({ kind: 'text', text: huge }) };
    const oneLine = { lines: [{ kind: 'qr', data: huge }] };
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      expect(encodeReceipt(million).ok).toBe(false);
      expect(encodeReceipt(oneLine).ok).toBe(false);
    }
    const elapsed = performance.now() - started;
    const grown = process.memoryUsage().heapUsed - heapBefore;
    expect(elapsed).toBeLessThan(500);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
