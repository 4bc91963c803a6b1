import type { Alignment, EscPosCommand, QrErrorCorrection } from './escpos-commands.ts';

/** One printed element of a receipt, in paper order. */
export type PrintedItem =
  | { kind: 'text'; text: string; align: Alignment; bold: boolean; width: number; height: number }
  | {
      kind: 'qr';
      /** The received symbol data, as bytes and as UTF-8 text. */
      bytes: Uint8Array;
      data: string;
      moduleSize: number;
      errorCorrection: QrErrorCorrection;
      model: 1 | 2 | 'micro';
      align: Alignment;
    }
  | {
      kind: 'image';
      widthDots: number;
      height: number;
      scaleX: number;
      scaleY: number;
      bits: Uint8Array;
      align: Alignment;
    }
  | { kind: 'feed'; lines: number; dots: number };

type ImageItem = PrintedItem & { kind: 'image' };

/** Everything between two cuts (or from the start to the first cut). */
export interface PrintedReceipt {
  items: PrintedItem[];
  cut: { partial: boolean; feedDots: number };
  /** Items dropped because the receipt was over RECEIPT_BUILDER_LIMITS. */
  droppedItems: number;
}

export const RECEIPT_BUILDER_LIMITS = {
  /** Items (lines, codes, images, feeds) in one receipt. */
  maxItems: 2000,
  /** Raw bytes of one text line (the rest of the line is dropped). */
  maxLineBytes: 4096,
  /** Raster bytes held in one receipt's images. */
  maxImageBytes: 1_048_576,
} as const;

interface Segment {
  bytes: Uint8Array;
  kanji: boolean;
  table: number;
}

const gb18030 = new TextDecoder('gb18030');
const utf8 = new TextDecoder('utf-8');
const cp1252 = new TextDecoder('windows-1252');

/** Decodes what the printer would print: GB18030 in Chinese mode, else the code table. */
function decodeSegment(s: Segment): string {
  if (s.kanji) return gb18030.decode(s.bytes);
  // Code table 16 is WPC1252; PC437 (0) and the others print their glyphs, shown as '?' here above 0x7F.
  if (s.table === 16) return cp1252.decode(s.bytes);
  let out = '';
  for (const b of s.bytes) out += b < 0x80 ? String.fromCharCode(b) : '?';
  return out;
}

const TAB_COLUMNS = 8;

/**
 * The printer's state between commands: print modes, the code page, the QR settings and the
 * stored graphics; it turns the parser's commands into receipts, one per cut.
 */
export class ReceiptBuilder {
  private align: Alignment = 'left';
  private bold = false;
  private width = 1;
  private height = 1;
  private table = 0;
  private kanji = false;
  private qrModel: 1 | 2 | 'micro' = 2;
  private qrModule = 3;
  private qrLevel: QrErrorCorrection = 'L';
  private qrData: Uint8Array | undefined;
  private graphic: ImageItem | undefined;
  private line: Segment[] = [];
  private lineBytes = 0;
  private lineStyle: { bold: boolean; width: number; height: number } | undefined;
  private items: PrintedItem[] = [];
  private imageBytes = 0;
  private dropped = 0;

  constructor(private readonly onReceipt: (receipt: PrintedReceipt) => void) {}

  /** True when something was received since the last cut. */
  get pending(): boolean {
    return this.items.length > 0 || this.line.length > 0;
  }

  apply(c: EscPosCommand): void {
    switch (c.kind) {
      case 'init':
        // ESC @ clears the print buffer: a line not yet printed (no LF) is lost; printed ones stay on the paper.
        this.line = [];
        this.lineBytes = 0;
        this.lineStyle = undefined;
        this.align = 'left';
        this.bold = false;
        this.width = 1;
        this.height = 1;
        this.table = 0;
        this.kanji = false;
        this.qrModel = 2;
        this.qrModule = 3;
        this.qrLevel = 'L';
        this.qrData = undefined;
        this.graphic = undefined;
        return;
      case 'text':
        this.addText(c.bytes);
        return;
      case 'tab': {
        const col = this.line.reduce((n, s) => n + s.bytes.length, 0);
        this.addText(new Uint8Array(TAB_COLUMNS - (col % TAB_COLUMNS)).fill(0x20));
        return;
      }
      case 'line-feed':
        this.flushLine(true);
        return;
      case 'code-table':
        this.table = c.table;
        return;
      case 'kanji-mode':
        this.kanji = c.on;
        return;
      case 'align':
        this.align = c.align;
        return;
      case 'bold':
        this.bold = c.on;
        return;
      case 'print-mode':
        this.bold = c.bold;
        this.width = c.doubleWidth ? 2 : 1;
        this.height = c.doubleHeight ? 2 : 1;
        return;
      case 'char-size':
        this.width = c.width;
        this.height = c.height;
        return;
      case 'feed-lines':
        this.flushLine(false);
        this.add({ kind: 'feed', lines: c.lines, dots: 0 });
        return;
      case 'feed-dots':
        this.flushLine(false);
        this.add({ kind: 'feed', lines: 0, dots: c.dots });
        return;
      case 'qr-model':
        this.qrModel = c.model;
        return;
      case 'qr-module-size':
        this.qrModule = c.dots;
        return;
      case 'qr-error-correction':
        this.qrLevel = c.level;
        return;
      case 'qr-store':
        this.qrData = c.data;
        return;
      case 'qr-print':
        this.flushLine(false);
        if (!this.qrData || this.qrData.length === 0) return;
        this.add({
          kind: 'qr',
          bytes: this.qrData,
          data: utf8.decode(this.qrData),
          moduleSize: this.qrModule,
          errorCorrection: this.qrLevel,
          model: this.qrModel,
          align: this.align,
        });
        return;
      case 'raster': {
        const { stored: _stored, ...raster } = c;
        const image: ImageItem = { ...raster, kind: 'image', align: this.align };
        if (c.stored) this.graphic = image;
        else this.addImage(image);
        return;
      }
      case 'graphics-print':
        if (this.graphic) this.addImage({ ...this.graphic, align: this.align });
        return;
      case 'cut':
        this.cut(c.partial, c.feedDots);
        return;
      case 'status-request':
      case 'paper-sensor-request':
        return;
    }
  }

  /** Ends the receipt as a cut would. */
  cut(partial: boolean, feedDots: number): void {
    this.flushLine(false);
    const receipt: PrintedReceipt = {
      items: this.items,
      cut: { partial, feedDots },
      droppedItems: this.dropped,
    };
    this.items = [];
    this.imageBytes = 0;
    this.dropped = 0;
    this.onReceipt(receipt);
  }

  /** Throws away the receipt being received (the paper ran out under it). */
  discard(): void {
    this.line = [];
    this.lineBytes = 0;
    this.lineStyle = undefined;
    this.items = [];
    this.imageBytes = 0;
    this.dropped = 0;
  }

  private addText(bytes: Uint8Array): void {
    const room = RECEIPT_BUILDER_LIMITS.maxLineBytes - this.lineBytes;
    if (room <= 0) return;
    const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.lineStyle ??= { bold: this.bold, width: this.width, height: this.height };
    const last = this.line[this.line.length - 1];
    if (last && last.kanji === this.kanji && last.table === this.table) {
      const merged = new Uint8Array(last.bytes.length + part.length);
      merged.set(last.bytes);
      merged.set(part, last.bytes.length);
      last.bytes = merged;
    } else {
      this.line.push({ bytes: part.slice(), kanji: this.kanji, table: this.table });
    }
    this.lineBytes += part.length;
  }

  /** Prints the line held; `empty`: an LF on an empty line feeds one blank line. */
  private flushLine(empty: boolean): void {
    if (this.line.length === 0) {
      if (empty) this.add({ kind: 'feed', lines: 1, dots: 0 });
      return;
    }
    const text = this.line.map(decodeSegment).join('');
    const style = this.lineStyle ?? { bold: this.bold, width: this.width, height: this.height };
    this.line = [];
    this.lineBytes = 0;
    this.lineStyle = undefined;
    this.add({ kind: 'text', text, align: this.align, ...style });
  }

  private addImage(image: ImageItem): void {
    this.flushLine(false);
    if (this.imageBytes + image.bits.length > RECEIPT_BUILDER_LIMITS.maxImageBytes) {
      this.dropped += 1;
      return;
    }
    this.imageBytes += image.bits.length;
    this.add(image);
  }

  private add(item: PrintedItem): void {
    if (this.items.length >= RECEIPT_BUILDER_LIMITS.maxItems) this.dropped += 1;
    else this.items.push(item);
  }
}
