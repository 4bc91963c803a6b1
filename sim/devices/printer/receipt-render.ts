import { PNG } from 'pngjs';
import qrcode from 'qrcode-generator';
import { dotSet, FONT_HEIGHT, glyph } from './bitmap-font.ts';
import type { Alignment } from './escpos-commands.ts';
import type { PrintedItem, PrintedReceipt } from './receipt-builder.ts';

/** Print head widths of the common thermal printers: 58 mm paper (384 dots), 80 mm (576 dots). */
export type PrintWidthDots = 384 | 576;

export const RENDER_LIMITS = {
  /** Paper length of one rendered receipt, in dots (about 2 m at 203 dpi); the rest is cut off. */
  maxHeightDots: 16_000,
} as const;

/** Font A of the common thermal printers: a 12 × 24 dot cell (32 columns at 384 dots, 48 at 576). */
const CELL_W = 12;
const CELL_H = 24;
/** Default line spacing (ESC 2): 30 dots, about 1/6 inch at 180-203 dpi. */
const LINE_SPACING = 6;
const DOT_SCALE = 2;
const TOP_MARGIN = 12;
const BOTTOM_MARGIN = 24;
/** QR quiet zone: 4 modules on every side (ISO/IEC 18004). */
const QUIET_MODULES = 4;

/** The sidecar of one rendered receipt: what was printed, as data. */
export interface ReceiptSidecar {
  widthDots: number;
  heightDots: number;
  /** The text lines as received (one per LF), decoded (GB18030 in Chinese mode). */
  lines: string[];
  /** Every QR print command received; `printed` false when the symbol did not fit (too much data, too wide). */
  qr: {
    data: string;
    moduleSize: number;
    errorCorrection: string;
    model: 1 | 2 | 'micro';
    printed: boolean;
  }[];
  images: number;
  cut: { partial: boolean; feedDots: number };
  droppedItems: number;
  /** True when the receipt was longer than RENDER_LIMITS.maxHeightDots and its end is missing. */
  truncated: boolean;
}

type Op = { y: number; draw: (canvas: Canvas, y: number) => void };

/** One byte per dot, 0 = black (printed), 255 = white paper. */
class Canvas {
  readonly dots: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.dots = Buffer.alloc(width * height, 255);
  }
  fill(x: number, y: number, w: number, h: number): void {
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      if (x1 > x0) this.dots.fill(0, yy * this.width + x0, yy * this.width + x1);
    }
  }
}

function offset(align: Alignment, width: number, used: number): number {
  if (align === 'centre') return Math.max(0, Math.floor((width - used) / 2));
  if (align === 'right') return Math.max(0, width - used);
  return 0;
}

/** Cells a character takes: 2 for CJK and other wide characters, 1 for the rest. */
function cellsOf(char: string): number {
  return (char.codePointAt(0) ?? 0) > 0x2e7f ? 2 : 1;
}

function textOps(
  item: PrintedItem & { kind: 'text' },
  width: number,
  y0: number,
): { ops: Op[]; height: number } {
  const cw = CELL_W * item.width;
  const chPx = CELL_H * item.height;
  const perLine = Math.max(1, Math.floor(width / cw));
  const rows: string[][] = [[]];
  let used = 0;
  for (const char of item.text) {
    const cells = cellsOf(char);
    if (used + cells > perLine && used > 0) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1]?.push(char);
    used += cells;
  }
  const lineH = chPx + LINE_SPACING;
  const ops: Op[] = rows.map((chars, i) => ({
    y: y0 + i * lineH,
    draw: (c, y) => {
      const usedPx = chars.reduce((n, ch) => n + cellsOf(ch) * cw, 0);
      let x = offset(item.align, width, usedPx);
      for (const ch of chars) {
        drawChar(c, ch, x, y, item);
        x += cellsOf(ch) * cw;
      }
    },
  }));
  return { ops, height: rows.length * lineH };
}

function drawChar(c: Canvas, char: string, x: number, y: number, item: PrintedItem & { kind: 'text' }): void {
  const sx = DOT_SCALE * item.width;
  const sy = DOT_SCALE * item.height;
  const rows = glyph(char);
  if (!rows) {
    if (char === ' ') return;
    // No glyph (CJK and others): a placeholder box the size of the character's cells.
    const w = cellsOf(char) * CELL_W * item.width;
    const h = CELL_H * item.height;
    const t = Math.max(1, item.width);
    c.fill(x + 2, y + 1, w - 4, t);
    c.fill(x + 2, y + h - 1 - t, w - 4, t);
    c.fill(x + 2, y + 1, t, h - 2);
    c.fill(x + w - 2 - t, y + 1, t, h - 2);
    return;
  }
  const top = y + Math.floor((CELL_H * item.height - FONT_HEIGHT * sy) / 2);
  rows.forEach((row, r) => {
    for (let d = 0; d < 5; d++) {
      if (!dotSet(row, d)) continue;
      c.fill(x + sx + d * sx, top + r * sy, sx + (item.bold ? 1 : 0), sy);
    }
  });
}

function qrOps(item: PrintedItem & { kind: 'qr' }, width: number, y0: number): { ops: Op[]; height: number } {
  const qr = qrcode(0, item.errorCorrection);
  // The received bytes as a binary string: qrcode-generator's byte mode takes each char code & 0xFF.
  qr.addData(String.fromCharCode(...item.bytes), 'Byte');
  try {
    qr.make();
  } catch {
    // More data than a version 40 symbol holds at this level: the printer prints no symbol.
    return { ops: [], height: 0 };
  }
  const count = qr.getModuleCount();
  const m = item.moduleSize;
  const size = (count + 2 * QUIET_MODULES) * m;
  // A symbol wider than the print area is not printed (Epson: GS ( k fn 181 does nothing then);
  // the quiet zone may fall off the paper's edge, the symbol itself may not.
  if (count * m > width) return { ops: [], height: 0 };
  const op: Op = {
    y: y0,
    draw: (c, y) => {
      const x0 = offset(item.align, width, size) + QUIET_MODULES * m;
      const top = y + QUIET_MODULES * m;
      for (let r = 0; r < count; r++)
        for (let col = 0; col < count; col++) if (qr.isDark(r, col)) c.fill(x0 + col * m, top + r * m, m, m);
    },
  };
  return { ops: [op], height: size };
}

function imageOps(
  item: PrintedItem & { kind: 'image' },
  width: number,
  y0: number,
): { ops: Op[]; height: number } {
  const rowBytes = Math.ceil(item.widthDots / 8);
  const w = item.widthDots * item.scaleX;
  const op: Op = {
    y: y0,
    draw: (c, y) => {
      const x0 = offset(item.align, width, w);
      for (let r = 0; r < item.height; r++)
        for (let col = 0; col < item.widthDots; col++) {
          const byte = item.bits[r * rowBytes + (col >> 3)] ?? 0;
          if (byte & (0x80 >> (col & 7)))
            c.fill(x0 + col * item.scaleX, y + r * item.scaleY, item.scaleX, item.scaleY);
        }
    },
  };
  return { ops: [op], height: item.height * item.scaleY };
}

/**
 * Draws a receipt as the paper would come out of a `widthDots` thermal head: text in the
 * built-in 5×7 font in a 12×24 cell (GS ! sizes, ESC E emphasis, ESC a alignment; characters
 * outside ASCII as a placeholder box), QR codes regenerated from the received data at the received
 * module size and error correction level with a 4-module quiet zone, raster images as sent.
 */
export function renderReceipt(
  receipt: PrintedReceipt,
  widthDots: PrintWidthDots,
): { png: Buffer; sidecar: ReceiptSidecar } {
  const ops: Op[] = [];
  const qrPrinted: boolean[] = [];
  let y = TOP_MARGIN;
  for (const item of receipt.items) {
    let placed: { ops: Op[]; height: number };
    if (item.kind === 'text') placed = textOps(item, widthDots, y);
    else if (item.kind === 'qr') {
      placed = qrOps(item, widthDots, y);
      qrPrinted.push(placed.ops.length > 0);
    } else if (item.kind === 'image') placed = imageOps(item, widthDots, y);
    else placed = { ops: [], height: item.lines * (CELL_H + LINE_SPACING) + item.dots };
    ops.push(...placed.ops);
    y += placed.height;
  }
  y += receipt.cut.feedDots + BOTTOM_MARGIN;
  const truncated = y > RENDER_LIMITS.maxHeightDots;
  const height = Math.min(y, RENDER_LIMITS.maxHeightDots);
  const canvas = new Canvas(widthDots, height);
  for (const op of ops) if (op.y < height) op.draw(canvas, op.y);

  const png = new PNG({ width: widthDots, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = canvas.dots;
  const sidecar: ReceiptSidecar = {
    widthDots,
    heightDots: height,
    lines: receipt.items.flatMap((i) => (i.kind === 'text' ? [i.text] : [])),
    qr: receipt.items
      .flatMap((i) => (i.kind === 'qr' ? [i] : []))
      .map((i, n) => ({
        data: i.data,
        moduleSize: i.moduleSize,
        errorCorrection: i.errorCorrection,
        model: i.model,
        printed: qrPrinted[n] ?? false,
      })),
    images: receipt.items.filter((i) => i.kind === 'image').length,
    cut: receipt.cut,
    droppedItems: receipt.droppedItems,
    truncated,
  };
  return { png: PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }), sidecar };
}
