import { ErrorCode, GatepostError } from '../../../core/errors.ts';
import { ch, ESCPOS_PARSER_LIMITS, GS, SPECS } from './escpos-command-specs.ts';
import type { EscPosCommand, EscPosParserStats } from './escpos-commands.ts';

export { ESCPOS_PARSER_LIMITS } from './escpos-command-specs.ts';

const LF = 0x0a;
const HT = 0x09;
/** Control codes that are commands of their own with nothing to do here (CR, FF, CAN). */
const NO_OPS = new Set([0x0d, 0x0c, 0x18]);
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
      if (step.need > HEADER_MAX)
        throw new GatepostError(ErrorCode.Internal, `ESC/POS spec asks for a ${step.need}-byte header`);
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
