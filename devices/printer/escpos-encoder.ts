import iconv from 'iconv-lite';
import { ErrorCode } from '../../core/errors.ts';
import { type ParsedReceipt, RECEIPT_LIMITS, type ReceiptLine, ReceiptSchema } from './receipt.ts';

/**
 * A Receipt as ESC/POS bytes (pure). The commands, as Epson's ESC/POS command reference
 * documents them (https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/):
 *
 *   ESC @            1B 40                 initialise (every receipt starts from the defaults)
 *   ESC a n          1B 61 n               justification: 0 left, 1 centre, 2 right
 *   ESC E n          1B 45 n               emphasised (bold) off/on
 *   GS ! n           1D 21 n               character size: width-1 in bits 4-6, height-1 in bits 0-2
 *   FS & / FS .      1C 26 / 1C 2E         Kanji (Chinese) character mode on / off, around GB18030 text
 *   LF               0A                    print and feed one line
 *   GS ( k  cn=49 (QR Code), pL pH = the bytes after them:
 *     fn 65 (Function 165)  1D 28 6B 04 00 31 41 32 00   model 2
 *     fn 67 (Function 167)  1D 28 6B 03 00 31 43 n       module size n dots
 *     fn 69 (Function 169)  1D 28 6B 03 00 31 45 n       error correction 48 L, 49 M, 50 Q, 51 H
 *     fn 80 (Function 180)  1D 28 6B pL pH 31 50 30 d1..dk   store k bytes, pL + 256 pH = k + 3
 *     fn 81 (Function 181)  1D 28 6B 03 00 31 51 30      print the stored symbol
 *   ESC d n          1B 64 n               print and feed n lines
 *   GS V 66 n        1D 56 42 n            feed to the cutter (+ n motion units) and cut partially
 *
 * Text never carries a command: every control character (C0, DEL, C1) of a line is replaced by
 * `?` (a tab by a space) and LF splits the line, so a hostile plate or name can neither cut the
 * paper nor ask for status. GB18030 bytes of non-ASCII text are all >= 0x30, so once the control
 * characters are gone no text byte is below 0x20. QR data is sent as its UTF-8 bytes, but never
 * with a DLE (0x10) in it: a printer may act on DLE EOT/ENQ/DC4 even inside a command's data.
 */

export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const LF = 0x0a;

export const INITIALISE = [ESC, 0x40] as const;
export const KANJI_ON = [FS, 0x26] as const;
export const KANJI_OFF = [FS, 0x2e] as const;

const ALIGN = { left: 0, centre: 1, right: 2 } as const;
/** GS ( k fn 69's n for each error correction level. */
export const QR_ERROR_CORRECTION = { L: 48, M: 49, Q: 50, H: 51 } as const;

export type EncodeResult =
  | { ok: true; bytes: Buffer; receipt: ParsedReceipt }
  | { ok: false; errorCode: typeof ErrorCode.ReceiptRefused; message: string };

/** Most bytes one receipt can encode to (each text character at most 4 GB18030 bytes + 2 Kanji toggles). */
export const MAX_RECEIPT_BYTES =
  2 +
  RECEIPT_LIMITS.maxLines * Math.max(RECEIPT_LIMITS.maxTextChars * 6 + 16, RECEIPT_LIMITS.maxQrBytes + 40);

/**
 * Checks a receipt's budgets (the number of lines, each string's length) without walking more
 * than `maxLines` entries, so a hostile receipt of a million lines or a 100 MB string costs
 * nothing before it is refused. A string's UTF-8 byte count is never less than its length, so
 * a QR string longer than maxQrBytes is over budget whatever it holds.
 */
export function overBudget(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'a receipt is an object';
  const lines = (input as { lines?: unknown }).lines;
  if (!Array.isArray(lines)) return 'a receipt has an array of lines';
  if (lines.length > RECEIPT_LIMITS.maxLines) {
    return `${lines.length} lines, at most ${RECEIPT_LIMITS.maxLines}`;
  }
  for (const [i, line] of lines.entries()) {
    if (typeof line !== 'object' || line === null) continue;
    const { text, data } = line as { text?: unknown; data?: unknown };
    if (typeof text === 'string' && text.length > RECEIPT_LIMITS.maxTextChars) {
      return `line ${i}: ${text.length} characters of text, at most ${RECEIPT_LIMITS.maxTextChars}`;
    }
    if (typeof data === 'string' && data.length > RECEIPT_LIMITS.maxQrBytes) {
      return `line ${i}: QR data over ${RECEIPT_LIMITS.maxQrBytes} bytes`;
    }
  }
  return undefined;
}

/** Budgets first, then the schema, then the bytes. */
export function encodeReceipt(input: unknown): EncodeResult {
  const over = overBudget(input);
  if (over !== undefined) return refused(`receipt over budget: ${over}`);
  const parsed = ReceiptSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return refused(`receipt invalid: ${first ? `${first.path.join('.')}: ${first.message}` : 'schema'}`);
  }
  for (const [i, line] of parsed.data.lines.entries()) {
    if (line.kind === 'qr' && line.data.includes('\x10')) {
      // A printer may take DLE EOT, DLE ENQ or DLE DC4 even inside a command's data as a
      // real-time command: a QR code's data must not hold DLE at all (a GP1 pass never does).
      return refused(`receipt invalid: lines.${i}.data: QR data holds DLE (0x10)`);
    }
  }
  const out: number[] = [...INITIALISE];
  for (const line of parsed.data.lines) encodeLine(line, out);
  return { ok: true, bytes: Buffer.from(out), receipt: parsed.data };
}

function refused(message: string): EncodeResult {
  return { ok: false, errorCode: ErrorCode.ReceiptRefused, message };
}

type Parsed<K extends ReceiptLine['kind']> = Extract<ParsedReceipt['lines'][number], { kind: K }>;

function encodeLine(line: ParsedReceipt['lines'][number], out: number[]): void {
  switch (line.kind) {
    case 'text':
      encodeText(line, out);
      return;
    case 'qr':
      out.push(...qrCommands(line));
      return;
    case 'feed':
      out.push(ESC, 0x64, line.lines);
      return;
    case 'cut':
      out.push(GS, 0x56, 66, 0);
      return;
  }
}

function encodeText(line: Parsed<'text'>, out: number[]): void {
  const size = line.size - 1;
  out.push(ESC, 0x61, ALIGN[line.align], ESC, 0x45, line.bold ? 1 : 0, GS, 0x21, (size << 4) | size);
  for (const part of line.text.split('\n')) {
    out.push(...textBytes(part), LF);
  }
  // Back to the defaults, so a line that sets nothing prints as plain text.
  if (line.bold) out.push(ESC, 0x45, 0);
  if (size !== 0) out.push(GS, 0x21, 0);
}

/** C0 controls, DEL and C1 controls: nothing a printer should ever take from a text line. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** One printed line's text with every control character replaced (a tab by a space, the rest by `?`). */
export function printableText(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\t' ? ' ' : '?'));
}

/** ASCII as it is; each run of other characters as GB18030 between FS & and FS . (Kanji mode). */
export function textBytes(text: string): number[] {
  const out: number[] = [];
  for (const run of printableText(text).match(/[\u0000-\u007f]+|[^\u0000-\u007f]+/g) ?? []) {
    if (run.charCodeAt(0) < 0x80) {
      for (let i = 0; i < run.length; i++) out.push(run.charCodeAt(i));
    } else {
      out.push(...KANJI_ON, ...iconv.encode(run, 'gb18030'), ...KANJI_OFF);
    }
  }
  return out;
}

/** GS ( k with pL pH for `body` (the bytes after pL pH: cn, fn, parameters). */
function gsParenK(body: readonly number[]): number[] {
  return [GS, 0x28, 0x6b, body.length & 0xff, body.length >> 8, ...body];
}

/** The QR commands of one line: justification, model 2, module size, error correction, store, print. */
export function qrCommands(line: Parsed<'qr'>): number[] {
  const data = Buffer.from(line.data, 'utf8');
  return [
    ESC,
    0x61,
    ALIGN[line.align],
    ...gsParenK([49, 65, 50, 0]),
    ...gsParenK([49, 67, line.moduleSize]),
    ...gsParenK([49, 69, QR_ERROR_CORRECTION[line.errorCorrection]]),
    ...gsParenK([49, 80, 48, ...data]),
    ...gsParenK([49, 81, 48]),
    LF,
  ];
}
