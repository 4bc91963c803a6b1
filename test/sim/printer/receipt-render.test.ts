import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { GLYPH_COUNT, glyph } from '../../../sim/devices/printer/bitmap-font.ts';
import { renderReceipt } from '../../../sim/devices/printer/receipt-render.ts';
import { bytes, qrStore, receiptsOf } from './escpos-bytes.ts';
import { readQr } from './qr-read.ts';

const require = createRequire(import.meta.url);
const receiptline = require('receiptline') as {
  transform(doc: string, printer: Record<string, unknown>): string;
};

const ESC = 0x1b;
const GS = 0x1d;

function blackDots(png: Buffer): number {
  const image = PNG.sync.read(png);
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) if ((image.data[i] ?? 255) < 128) n += 1;
  return n;
}

describe('receipt renderer', () => {
  it('has a glyph of 7 rows of 5 dots for every printable ASCII character', () => {
    expect(GLYPH_COUNT).toBe(95);
    for (let c = 0x20; c <= 0x7e; c++) {
      const rows = glyph(String.fromCharCode(c));
      expect(rows, String.fromCharCode(c)).toHaveLength(7);
      for (const r of rows ?? []) expect(r).toBeLessThan(32);
    }
    expect(glyph('中')).toBeUndefined();
  });

  it('draws the QR from the received data at the received module size, readable by jsQR', () => {
    const data = 'GP1.eyJwbGF0ZSI6IuS6rEE4ODg4OCJ9.c2lnbmF0dXJl-card-0001';
    for (const [moduleSize, width] of [
      [4, 384],
      [6, 576],
    ] as const) {
      const stream = bytes(
        ESC,
        '@',
        ESC,
        'a',
        1,
        'CARD',
        0x0a,
        GS,
        '(k',
        4,
        0,
        49,
        65,
        50,
        0,
        GS,
        '(k',
        3,
        0,
        49,
        67,
        moduleSize,
        GS,
        '(k',
        3,
        0,
        49,
        69,
        49,
        qrStore(Uint8Array.from(Buffer.from(data))),
        GS,
        '(k',
        3,
        0,
        49,
        81,
        48,
        GS,
        'V',
        66,
        0,
      );
      const [receipt] = receiptsOf(stream);
      if (!receipt) throw new Error('no receipt');
      const { png, sidecar } = renderReceipt(receipt, width);
      expect(PNG.sync.read(png).width).toBe(width);
      expect(sidecar.lines).toEqual(['CARD']);
      expect(sidecar.qr).toEqual([{ data, moduleSize, errorCorrection: 'M', model: 2, printed: true }]);
      const read = readQr(png);
      expect(read?.data).toBe(data);
      // jsQR's corners are the symbol's outer corners: a version 4 symbol (33 modules; 4-M holds
      // 62 bytes, 3-M only 42) of `moduleSize` dots per module, give or take a module.
      expect(data.length).toBeGreaterThan(42);
      expect(Math.abs((read?.width ?? 0) - 33 * moduleSize)).toBeLessThanOrEqual(moduleSize);
    }
  });

  it('prints no symbol wider than the paper, as a printer does not, and says so in the sidecar', () => {
    const data = 'X'.repeat(300); // byte mode, level L: version 11, 61 modules, × 8 dots = 488 > 384
    const qr = bytes(
      GS,
      '(k',
      3,
      0,
      49,
      67,
      8,
      qrStore(Uint8Array.from(Buffer.from(data))),
      GS,
      '(k',
      3,
      0,
      49,
      81,
      48,
    );
    const [receipt] = receiptsOf(bytes(ESC, '@', qr, GS, 'V', 0));
    if (!receipt) throw new Error('no receipt');
    const narrow = renderReceipt(receipt, 384);
    expect(narrow.sidecar.qr).toMatchObject([{ data, moduleSize: 8, printed: false }]);
    expect(readQr(narrow.png)).toBeUndefined();
    const wide = renderReceipt(receipt, 576);
    expect(wide.sidecar.qr).toMatchObject([{ data, printed: true }]);
    expect(readQr(wide.png)?.data).toBe(data);
  });

  it('draws text in the font and CJK characters as placeholder boxes', () => {
    const text = (s: string | number[]) => {
      const [r] = receiptsOf(bytes(ESC, '@', ESC, 't', 0, 0x1c, '&', s, 0x0a, GS, 'V', 0));
      if (!r) throw new Error('no receipt');
      return renderReceipt(r, 384);
    };
    const ascii = text('HELLO');
    const cjk = text([0xd6, 0xd0, 0xce, 0xc4]);
    expect(cjk.sidecar.lines).toEqual(['中文']);
    expect(blackDots(ascii.png)).toBeGreaterThan(100);
    expect(blackDots(cjk.png)).toBeGreaterThan(100);
  });
});

describe('cross-check against receiptline (an independent ESC/POS generator)', () => {
  it('reads its text (ASCII and GB18030) and the QR code it sends as a raster image', () => {
    // receiptline 4 sends QR codes as raster graphics (GS 8 L fn 112, printed by GS ( L fn 50),
    // never as GS ( k, so this checks the text, the code pages, the cut and the raster path.
    const qrData = 'https://example.com/card/0042';
    const doc = `^Gate pass\nPlate | 京A12345\n{code:${qrData}; option:qrcode,5,m}\n中文测试\n=\n`;
    const out = receiptline.transform(doc, {
      command: 'escpos',
      cpl: 48,
      encoding: 'gb18030',
      cutting: true,
    });
    const receipts = receiptsOf(Uint8Array.from(Buffer.from(out, 'latin1')));
    expect(receipts.length).toBeGreaterThanOrEqual(1);
    const receipt = receipts[0];
    if (!receipt) throw new Error('no receipt');
    const lines = receipt.items.flatMap((i) => (i.kind === 'text' ? [i.text] : []));
    expect(lines.some((l) => l.includes('Gate pass'))).toBe(true);
    expect(lines.some((l) => l.includes('Plate') && l.includes('京A12345'))).toBe(true);
    expect(lines.some((l) => l.includes('中文测试'))).toBe(true);
    const { png, sidecar } = renderReceipt(receipt, 576);
    expect(sidecar.images).toBe(1);
    expect(readQr(png)?.data).toBe(qrData);
  });
});
