import type { EscPosCommand } from '../../../sim/devices/printer/escpos-commands.ts';
import { EscPosParser } from '../../../sim/devices/printer/escpos-parser.ts';
import { type PrintedReceipt, ReceiptBuilder } from '../../../sim/devices/printer/receipt-builder.ts';

/**
 * Test bytes written by hand from the command references (hex as in the manuals), not with the
 * gateway's encoder: numbers are bytes, strings are ASCII (latin1), Uint8Arrays go in as they are.
 */
export function bytes(...parts: (number | number[] | string | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') out.push(...Buffer.from(p, 'latin1'));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** GS ( k pL pH 49 80 48 d1...dk: store QR data (Epson function 180). */
export function qrStore(data: Uint8Array): Uint8Array {
  const len = data.length + 3;
  return bytes(0x1d, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, 0x50, 0x30, data);
}

/** Every command the parser emits for these chunks, in order, with its stats. */
export function parseChunks(chunks: Uint8Array[]): {
  commands: EscPosCommand[];
  stats: EscPosParser['stats'];
} {
  const commands: EscPosCommand[] = [];
  const parser = new EscPosParser((c) => commands.push(c));
  for (const c of chunks) parser.push(c);
  parser.end();
  return { commands, stats: parser.stats };
}

/** The receipts (one per cut) these bytes make. */
export function receiptsOf(stream: Uint8Array): PrintedReceipt[] {
  const receipts: PrintedReceipt[] = [];
  const builder = new ReceiptBuilder((r) => receipts.push(r));
  const parser = new EscPosParser((c) => builder.apply(c));
  parser.push(stream);
  parser.end();
  return receipts;
}
