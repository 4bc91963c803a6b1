import type { Alignment, EscPosCommand, EscPosParserStats, QrErrorCorrection } from './escpos-commands.ts';

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

const ESC = 0x1b;
const FS = 0x1c;
const GS = 0x1d;
const DLE = 0x10;
const LF = 0x0a;
const HT = 0x09;
/** Control codes that are commands of their own with nothing to do here (CR, FF, CAN). */
const NO_OPS = new Set([0x0d, 0x0c, 0x18]);

/** What to do after a prefix, its function byte and `hdr` (the parameter bytes read so far). */
type Step =
  | { need: number }
  | { done: EscPosCommand | undefined; skipped?: boolean }
  | { payload: number; store: boolean; make?: (data: Uint8Array) => EscPosCommand | undefined }
  | { untilNul: true }
  | { unknown: true };

type Spec = (fn: number, hdr: readonly number[]) => Step;

const ch = (c: string) => c.charCodeAt(0);
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

const SPECS: Record<number, Spec> = { [ESC]: escSpec, [FS]: fsSpec, [GS]: gsSpec, [DLE]: dleSpec };
const HEADER_MAX = 16;

/**
 * A streaming ESC/POS parser: feed it the bytes as they arrive (`push`, in chunks split
 * anywhere) and it calls `onCommand` for every command it acts on, in order. The same bytes give
 * the same commands however they are split; `end()` flushes a trailing text run. Memory is
 * bounded by ESCPOS_PARSER_LIMITS: over-long data is skipped by its declared length and counted.
 */
export class EscPosParser {
  readonly stats: EscPosParserStats = {
    bytes: 0,
    skippedCommands: 0,
    skippedBytes: 0,
    unknownCommands: 0,
    strayControlBytes: 0,
    oversizeCommands: 0,
  };
  private readonly text = new Uint8Array(ESCPOS_PARSER_LIMITS.maxTextRun);
  private textLen = 0;
  private prefix = 0;
  private fn = -1;
  private readonly hdr: number[] = [];
  private need = 0;
  private mode: 'idle' | 'prefix' | 'header' | 'payload' | 'nul' = 'idle';
  private remaining = 0;
  private store: Uint8Array | undefined;
  private stored = 0;
  private make: ((data: Uint8Array) => EscPosCommand | undefined) | undefined;
  private nulCount = 0;

  constructor(private readonly onCommand: (command: EscPosCommand) => void) {}

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === 'payload') {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.store) this.store.set(chunk.subarray(i, i + take), this.stored);
        else this.stats.skippedBytes += take;
        this.stored += take;
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.finishPayload();
        continue;
      }
      this.byte(chunk[i] ?? 0);
      i += 1;
    }
  }

  /** The stream ended (or paused for good): emits the text run still held. */
  end(): void {
    this.flushText();
  }

  /** Back to the idle state, dropping a half-received command (the printer was reset). */
  reset(): void {
    this.textLen = 0;
    this.mode = 'idle';
    this.hdr.length = 0;
    this.store = undefined;
    this.make = undefined;
  }

  private byte(b: number): void {
    switch (this.mode) {
      case 'idle':
        this.idle(b);
        return;
      case 'prefix':
        this.fn = b;
        this.hdr.length = 0;
        this.advance();
        return;
      case 'header':
        this.hdr.push(b);
        if (this.hdr.length >= this.need) this.advance();
        return;
      case 'nul':
        this.stats.skippedBytes += 1;
        this.nulCount += 1;
        if (b === 0 || this.nulCount >= ESCPOS_PARSER_LIMITS.maxNulTerminated) {
          if (b !== 0) this.stats.oversizeCommands += 1;
          this.mode = 'idle';
        }
        return;
      default:
        return;
    }
  }

  private idle(b: number): void {
    if (b >= 0x20) {
      this.text[this.textLen++] = b;
      if (this.textLen === this.text.length) this.flushText();
      return;
    }
    this.flushText();
    if (SPECS[b]) {
      this.prefix = b;
      this.mode = 'prefix';
    } else if (b === LF) this.onCommand({ kind: 'line-feed' });
    else if (b === HT) this.onCommand({ kind: 'tab' });
    else if (!NO_OPS.has(b)) this.stats.strayControlBytes += 1;
  }

  private advance(): void {
    const spec = SPECS[this.prefix];
    const step = spec ? spec(this.fn, this.hdr) : ({ unknown: true } as const);
    if ('need' in step) {
      if (step.need > HEADER_MAX) throw new Error(`ESC/POS spec asks for a ${step.need}-byte header`);
      this.need = step.need;
      this.mode = 'header';
      return;
    }
    this.mode = 'idle';
    if ('unknown' in step) {
      this.stats.unknownCommands += 1;
      // A prefix right after a prefix starts a command of its own.
      if (this.hdr.length === 0 && SPECS[this.fn]) this.idle(this.fn);
      return;
    }
    if ('untilNul' in step) {
      this.stats.skippedCommands += 1;
      this.nulCount = 0;
      this.mode = 'nul';
      return;
    }
    if ('payload' in step) {
      if (!step.store) {
        this.stats.skippedCommands += 1;
        if (step.make === undefined && this.isOversize()) this.stats.oversizeCommands += 1;
      }
      this.store = step.store ? new Uint8Array(step.payload) : undefined;
      this.make = step.make;
      this.stored = 0;
      this.remaining = step.payload;
      this.mode = 'payload';
      if (step.payload === 0) this.finishPayload();
      return;
    }
    if (step.skipped) this.stats.skippedCommands += 1;
    if (step.done) this.onCommand(step.done);
  }

  /** A skipped QR store or raster image is over the budget (not merely a command we ignore). */
  private isOversize(): boolean {
    const p = this.prefix;
    const f = this.fn;
    if (p !== GS) return false;
    if (f === ch('v')) return true;
    if (f === ch('8')) return this.hdr[6] === 112;
    if (f === ch('(') && this.hdr[0] === ch('k')) return this.hdr[4] === 80 && this.hdr[5] === 48;
    if (f === ch('(') && this.hdr[0] === ch('L')) return this.hdr[4] === 112;
    return false;
  }

  private finishPayload(): void {
    this.mode = 'idle';
    const data = this.store;
    const make = this.make;
    this.store = undefined;
    this.make = undefined;
    if (data && make) {
      const command = make(data);
      if (command) this.onCommand(command);
    }
  }

  private flushText(): void {
    if (this.textLen === 0) return;
    this.onCommand({ kind: 'text', bytes: this.text.slice(0, this.textLen) });
    this.textLen = 0;
  }
}
