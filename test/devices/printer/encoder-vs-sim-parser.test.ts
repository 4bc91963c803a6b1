import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { encodeReceipt, printableText } from '../../../devices/printer/escpos-encoder.ts';
import type { ParsedReceipt } from '../../../devices/printer/receipt.ts';
import { EscPosParser } from '../../../sim/devices/printer/escpos-parser.ts';
import { type PrintedReceipt, ReceiptBuilder } from '../../../sim/devices/printer/receipt-builder.ts';

/**
 * The encoder checked against the simulated printer's ESC/POS parser (sim/devices/printer,
 * written separately from the ESC/POS reference, sharing no code with the encoder): any receipt
 * the encoder makes prints, on that printer, exactly the text, sizes, alignment, QR codes and
 * feeds it was given, and is cut once.
 */
function printedBySim(bytes: Uint8Array): PrintedReceipt[] {
  const receipts: PrintedReceipt[] = [];
  const builder = new ReceiptBuilder((r) => receipts.push(r));
  const parser = new EscPosParser((c) => builder.apply(c));
  parser.push(bytes);
  parser.end();
  return receipts;
}

/** What GB18030 can carry of a string (a lone surrogate has no code: iconv writes '?'). */
const asPrinted = (s: string): string => iconv.decode(iconv.encode(printableText(s), 'gb18030'), 'gb18030');

/** The items the simulated printer should report for one receipt line. */
function expectedItems(line: ParsedReceipt['lines'][number]): unknown[] {
  switch (line.kind) {
    case 'text':
      return line.text.split('\n').map((part) => ({
        kind: 'text',
        text: asPrinted(part),
        align: line.align,
        bold: line.bold,
        width: line.size,
        height: line.size,
      }));
    case 'qr':
      return [
        {
          kind: 'qr',
          data: line.data,
          moduleSize: line.moduleSize,
          errorCorrection: line.errorCorrection,
          model: 2,
          align: line.align,
        },
        // The LF after the symbol, on an empty line: one line fed.
        { kind: 'feed', lines: 1, dots: 0 },
      ];
    case 'feed':
      return [{ kind: 'feed', lines: line.lines, dots: 0 }];
    case 'cut':
      return [];
  }
}

const align = fc.constantFrom('left', 'centre', 'right' as const);
// Text lines whose parts are not empty (an empty line is a bare LF, which a printer reports as a
// feed) and do not start or end with a space (kept simple: spacing is the printer's business).
const part = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(
        '沪',
        '京',
        '粤',
        '车',
        '牌',
        '临',
        '时',
        '通',
        '行',
        '卡',
        '·',
        '😀',
        '\x1b',
        '\x1d',
        '\x10',
        '\t',
      ),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    ),
    minLength: 1,
    maxLength: 60,
  })
  .filter(
    (s) => !s.includes('\n') && printableText(s).trim() === printableText(s) && printableText(s).length > 0,
  );

const textLine = fc.record({
  kind: fc.constant('text' as const),
  text: fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('\n')),
  align,
  bold: fc.boolean(),
  size: fc.integer({ min: 1, max: 8 }),
});
const qrLine = fc.record({
  kind: fc.constant('qr' as const),
  data: fc.string({ minLength: 1, maxLength: 400 }).filter((s) => !s.includes('\x10')),
  align,
  moduleSize: fc.integer({ min: 1, max: 16 }),
  errorCorrection: fc.constantFrom('L', 'M', 'Q', 'H' as const),
});
const feedLine = fc.record({ kind: fc.constant('feed' as const), lines: fc.integer({ min: 1, max: 16 }) });

describe('ESC/POS encoder against the simulated printer’s parser', () => {
  it('a card prints as given: Chinese text in GB18030, sizes, the QR code, feed and cut', () => {
    const r = encodeReceipt({
      lines: [
        { kind: 'text', text: '临时通行卡 PASS CARD', align: 'centre', bold: true, size: 2 },
        { kind: 'text', text: '车牌 沪A12345\n司机 王小明' },
        { kind: 'qr', data: 'GP1.eyJwbGF0ZSI6Iuayqkx.sig', errorCorrection: 'M', moduleSize: 6 },
        { kind: 'feed', lines: 3 },
        { kind: 'cut' },
      ],
    });
    if (!r.ok) throw new Error(r.message);
    const [receipt, ...more] = printedBySim(r.bytes);
    expect(more).toEqual([]);
    expect(receipt?.cut.partial).toBe(true);
    expect(receipt?.droppedItems).toBe(0);
    expect(receipt?.items.filter((i) => i.kind === 'text').map((i) => i.kind === 'text' && i.text)).toEqual([
      '临时通行卡 PASS CARD',
      '车牌 沪A12345',
      '司机 王小明',
    ]);
    expect(receipt?.items.find((i) => i.kind === 'qr')).toMatchObject({
      data: 'GP1.eyJwbGF0ZSI6Iuayqkx.sig',
      moduleSize: 6,
      errorCorrection: 'M',
      model: 2,
      align: 'centre',
    });
  });

  it('any receipt prints exactly its lines, and is cut once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(textLine, qrLine, feedLine), { minLength: 1, maxLength: 12 }),
        (lines) => {
          const r = encodeReceipt({ lines: [...lines, { kind: 'cut' }] });
          if (!r.ok) throw new Error(r.message);
          const receipts = printedBySim(r.bytes);
          expect(receipts).toHaveLength(1);
          const items = receipts[0]?.items.map((i) => {
            if (i.kind !== 'qr') return i;
            const { bytes: _bytes, ...rest } = i;
            return rest;
          });
          expect(items).toEqual(r.receipt.lines.flatMap(expectedItems));
        },
      ),
      { numRuns: 150 },
    );
  });
});
