import type { Alignment, EscPosCommand, QrErrorCorrection } from './escpos-commands.ts';

/**
 * Budgets of the parser: whatever a hostile or broken host sends, the parser never holds more
 * than a text run, one command header, and one stored QR or raster image of these sizes.
 */
export const ESCPOS_PARSER_LIMITS = {
  /** Printable bytes emitted as one `text` command (a longer run is emitted in pieces). */
  maxTextRun: 4096,
  /** QR symbol data (Epson: pL + pH×256 <= 7092, so at most 7089 data bytes). */
  maxQrData: 7089,
  /** Bytes of one raster image (GS v 0, GS ( L / GS 8 L): a 576-dot head × about 3,600 rows. */
  maxRasterBytes: 262_144,
  /** Bytes of a NUL-terminated parameter list (ESC D tab stops, GS k barcode data). */
  maxNulTerminated: 256,
} as const;

export const ESC = 0x1b;
export const FS = 0x1c;
export const GS = 0x1d;
export const DLE = 0x10;

/** What to do after a prefix, its function byte and `hdr` (the parameter bytes read so far). */
export type Step =
  | { need: number }
  | { done: EscPosCommand | undefined; skipped?: boolean }
  | { payload: number; store: boolean; make?: (data: Uint8Array) => EscPosCommand | undefined }
  | { untilNul: true }
  | { unknown: true };

type Spec = (fn: number, hdr: readonly number[]) => Step;

export const ch = (c: string) => c.charCodeAt(0);
const SKIP: Step = { done: undefined, skipped: true };
/** A command of `n` parameter bytes that the printer accepts and the simulation ignores. */
const fixed = (n: number, hdr: readonly number[]): Step => (hdr.length < n ? { need: n } : SKIP);

/** ESC commands by their documented parameter counts. */
const ESC_PARAMS: Record<number, number> = {};
for (const c of '@2<LSim') ESC_PARAMS[ch(c)] = 0;
for (const c of ' !-3EGJKMRUVadert{%=Tj?') ESC_PARAMS[ch(c)] = 1;
for (const c of '$\\c') ESC_PARAMS[ch(c)] = 2;
ESC_PARAMS[ch('p')] = 3;
ESC_PARAMS[ch('W')] = 8;

const FS_PARAMS: Record<number, number> = {};
for (const c of '&.') FS_PARAMS[ch(c)] = 0;
for (const c of '!-CW') FS_PARAMS[ch(c)] = 1;
for (const c of 'Sp') FS_PARAMS[ch(c)] = 2;

const GS_PARAMS: Record<number, number> = {};
GS_PARAMS[ch(':')] = 0;
for (const c of '!BEHITabfhrw/') GS_PARAMS[ch(c)] = 1;
for (const c of 'LW$\\P') GS_PARAMS[ch(c)] = 2;
GS_PARAMS[ch('^')] = 3;

function alignment(n: number): Alignment {
  const v = n >= 48 ? n - 48 : n;
  return v === 1 ? 'centre' : v === 2 ? 'right' : 'left';
}

const escSpec: Spec = (fn, hdr) => {
  if (fn === ch('*')) {
    // ESC * m nL nH d1...dk: k = n (8-dot modes) or 3n (24-dot modes).
    if (hdr.length < 3) return { need: 3 };
    const n = (hdr[1] ?? 0) + (hdr[2] ?? 0) * 256;
    return { payload: (hdr[0] ?? 0) >= 32 ? 3 * n : n, store: false };
  }
  if (fn === ch('D')) return { untilNul: true };
  const count = ESC_PARAMS[fn];
  if (count === undefined) return { unknown: true };
  if (hdr.length < count) return { need: count };
  const n = hdr[0] ?? 0;
  switch (String.fromCharCode(fn)) {
    case '@':
      return { done: { kind: 'init' } };
    case 't':
      return { done: { kind: 'code-table', table: n } };
    case 'a':
      return { done: { kind: 'align', align: alignment(n) } };
    case 'E':
      return { done: { kind: 'bold', on: (n & 1) === 1 } };
    case '!':
      return {
        done: {
          kind: 'print-mode',
          bold: (n & 0x08) !== 0,
          doubleHeight: (n & 0x10) !== 0,
          doubleWidth: (n & 0x20) !== 0,
        },
      };
    case 'd':
      return { done: { kind: 'feed-lines', lines: n } };
    case 'J':
      return { done: { kind: 'feed-dots', dots: n } };
    case 'i':
      return { done: { kind: 'cut', partial: false, feedDots: 0 } };
    case 'm':
      return { done: { kind: 'cut', partial: true, feedDots: 0 } };
    default:
      return SKIP;
  }
};

const fsSpec: Spec = (fn, hdr) => {
  if (fn === ch('(')) return skipByLength(hdr);
  const count = FS_PARAMS[fn];
  if (count === undefined) return { unknown: true };
  if (hdr.length < count) return { need: count };
  if (fn === ch('&')) return { done: { kind: 'kanji-mode', on: true } };
  if (fn === ch('.')) return { done: { kind: 'kanji-mode', on: false } };
  return SKIP;
};

/** `X pL pH` then pL + pH×256 bytes, skipped (GS ( X and FS ( X commands the printer ignores). */
function skipByLength(hdr: readonly number[]): Step {
  if (hdr.length < 3) return { need: 3 };
  return { payload: (hdr[1] ?? 0) + (hdr[2] ?? 0) * 256, store: false };
}

const QR_LEVELS: Record<number, QrErrorCorrection> = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' };

/** GS ( k pL pH cn fn ...: the 2D code commands; cn = 49 is QR Code. */
function qrStep(hdr: readonly number[]): Step {
  const len = (hdr[1] ?? 0) + (hdr[2] ?? 0) * 256;
  // hdr: 'k' pL pH cn fn [parameters]; the parameters count in len from cn on.
  if (len < 2) return { payload: len, store: false };
  if (hdr.length < 5) return { need: 5 };
  const cn = hdr[3] ?? 0;
  const fn = hdr[4] ?? 0;
  if (cn !== 49) return { payload: len - 2, store: false };
  const fixedLen: Record<number, number> = { 65: 4, 67: 3, 69: 3, 81: 3 };
  const want = fixedLen[fn];
  if (want !== undefined) {
    if (len !== want) return { payload: len - 2, store: false };
    if (hdr.length < 3 + want) return { need: 3 + want };
    const n = hdr[5] ?? 0;
    if (fn === 65) {
      const model = n === 49 ? 1 : n === 50 ? 2 : n === 51 ? 'micro' : undefined;
      return model ? { done: { kind: 'qr-model', model } } : SKIP;
    }
    if (fn === 67) return n >= 1 && n <= 16 ? { done: { kind: 'qr-module-size', dots: n } } : SKIP;
    if (fn === 69) {
      const level = QR_LEVELS[n];
      return level ? { done: { kind: 'qr-error-correction', level } } : SKIP;
    }
    return n === 48 ? { done: { kind: 'qr-print' } } : SKIP;
  }
  if (fn === 80) {
    if (len < 3) return { payload: len - 2, store: false };
    if (hdr.length < 6) return { need: 6 };
    const k = len - 3;
    if ((hdr[5] ?? 0) !== 48 || k > ESCPOS_PARSER_LIMITS.maxQrData) return { payload: k, store: false };
    return { payload: k, store: true, make: (data) => ({ kind: 'qr-store', data }) };
  }
  return { payload: len - 2, store: false };
}

/**
 * The graphics functions of GS ( L and GS 8 L once their length is known: `at` is the index in
 * hdr of m (the byte after the length), `len` counts from m on.
 */
function graphicsStep(hdr: readonly number[], at: number, len: number): Step {
  if (len < 2) return { payload: len, store: false };
  if (hdr.length < at + 2) return { need: at + 2 };
  const fn = hdr[at + 1] ?? 0;
  if (fn === 50 || fn === 2)
    return len === 2 ? { done: { kind: 'graphics-print' } } : { payload: len - 2, store: false };
  if (fn !== 112 || len < 10) return { payload: len - 2, store: false };
  // m fn a bx by c xL xH yL yH d1...dk
  if (hdr.length < at + 10) return { need: at + 10 };
  const widthDots = (hdr[at + 6] ?? 0) + (hdr[at + 7] ?? 0) * 256;
  const height = (hdr[at + 8] ?? 0) + (hdr[at + 9] ?? 0) * 256;
  const k = len - 10;
  const fits = k === Math.ceil(widthDots / 8) * height && k <= ESCPOS_PARSER_LIMITS.maxRasterBytes;
  if (!fits) return { payload: k, store: false };
  const scaleX = hdr[at + 3] === 2 ? 2 : 1;
  const scaleY = hdr[at + 4] === 2 ? 2 : 1;
  return {
    payload: k,
    store: true,
    make: (bits) => ({ kind: 'raster', stored: true, widthDots, height, scaleX, scaleY, bits }),
  };
}

const gsSpec: Spec = (fn, hdr) => {
  if (fn === ch('(')) {
    if (hdr.length < 3) return { need: 3 };
    const letter = hdr[0];
    if (letter === ch('k')) return qrStep(hdr);
    if (letter === ch('L')) return graphicsStep(hdr, 3, (hdr[1] ?? 0) + (hdr[2] ?? 0) * 256);
    return skipByLength(hdr);
  }
  if (fn === ch('8')) {
    // GS 8 L p1 p2 p3 p4 m fn ...: GS ( L with a 32-bit length.
    if (hdr.length < 1) return { need: 1 };
    if (hdr[0] !== ch('L')) return { unknown: true };
    if (hdr.length < 5) return { need: 5 };
    const len = (hdr[1] ?? 0) + (hdr[2] ?? 0) * 0x100 + (hdr[3] ?? 0) * 0x10000 + (hdr[4] ?? 0) * 0x1000000;
    return graphicsStep(hdr, 5, len);
  }
  if (fn === ch('V')) {
    // GS V m (m = 0, 1, 48, 49) or GS V m n (m = 65, 66; 97, 98, 103, 104 on newer models).
    if (hdr.length < 1) return { need: 1 };
    const m = hdr[0] ?? 0;
    if (m === 0 || m === 48 || m === 1 || m === 49)
      return { done: { kind: 'cut', partial: m === 1 || m === 49, feedDots: 0 } };
    if ([65, 66, 97, 98, 103, 104].includes(m)) {
      if (hdr.length < 2) return { need: 2 };
      return { done: { kind: 'cut', partial: m % 2 === 0, feedDots: hdr[1] ?? 0 } };
    }
    return SKIP;
  }
  if (fn === ch('v')) {
    // GS v 0 m xL xH yL yH d1...dk: raster bit image, k = (xL + xH×256) × (yL + yH×256).
    if (hdr.length < 1) return { need: 1 };
    if (hdr[0] !== ch('0')) return { unknown: true };
    if (hdr.length < 6) return { need: 6 };
    const widthBytes = (hdr[2] ?? 0) + (hdr[3] ?? 0) * 256;
    const height = (hdr[4] ?? 0) + (hdr[5] ?? 0) * 256;
    const k = widthBytes * height;
    if (k > ESCPOS_PARSER_LIMITS.maxRasterBytes) return { payload: k, store: false };
    const m = (hdr[1] ?? 0) % 48;
    return {
      payload: k,
      store: true,
      make: (bits) => ({
        kind: 'raster',
        stored: false,
        widthDots: widthBytes * 8,
        height,
        scaleX: m & 1 ? 2 : 1,
        scaleY: m & 2 ? 2 : 1,
        bits,
      }),
    };
  }
  if (fn === ch('k')) {
    // GS k m d1...dk NUL (m = 0..6) or GS k m n d1...dn (m = 65..79).
    if (hdr.length < 1) return { need: 1 };
    const m = hdr[0] ?? 0;
    if (m <= 6) return { untilNul: true };
    if (hdr.length < 2) return { need: 2 };
    return { payload: hdr[1] ?? 0, store: false };
  }
  if (fn === ch('*')) {
    // GS * x y d1...d(x × y × 8): define a downloaded bit image.
    if (hdr.length < 2) return { need: 2 };
    return { payload: (hdr[0] ?? 0) * (hdr[1] ?? 0) * 8, store: false };
  }
  const count = GS_PARAMS[fn];
  if (count === undefined) return { unknown: true };
  if (hdr.length < count) return { need: count };
  const n = hdr[0] ?? 0;
  if (fn === ch('!')) return { done: { kind: 'char-size', width: ((n >> 4) & 7) + 1, height: (n & 7) + 1 } };
  if (fn === ch('r') && (n === 1 || n === 49)) return { done: { kind: 'paper-sensor-request' } };
  return SKIP;
};

const dleSpec: Spec = (fn, hdr) => {
  if (fn === 0x04) {
    // DLE EOT n (1..4); n = 7 and 8 take one more byte (ink and paper-roll status on some models).
    if (hdr.length < 1) return { need: 1 };
    const n = hdr[0] ?? 0;
    if (n >= 1 && n <= 4) return { done: { kind: 'status-request', n } };
    if (n === 7 || n === 8) return fixed(2, hdr);
    return SKIP;
  }
  if (fn === 0x05) return fixed(1, hdr);
  if (fn === 0x14) {
    // DLE DC4 fn ...: fn 8 takes 7 more bytes, the others 2.
    if (hdr.length < 1) return { need: 1 };
    return fixed(hdr[0] === 8 ? 8 : 3, hdr);
  }
  return { unknown: true };
};

/**
 * The ESC/POS commands the simulated printer knows, by prefix byte (ESC, FS, GS, DLE) and function
 * byte, with their documented lengths (Epson ESC/POS command reference): each spec says how many
 * parameter bytes to read, what data follows, and what command it makes.
 */
export const SPECS: Record<number, Spec> = { [ESC]: escSpec, [FS]: fsSpec, [GS]: gsSpec, [DLE]: dleSpec };
