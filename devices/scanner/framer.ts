import { isUtf8 } from 'node:buffer';

/**
 * The QR scanner's framing, datasheet section 1, as a pure parser: bytes and their arrival time
 * in, codes and counted discards out. It never throws and never holds more than
 * `maxCodeBytes` bytes, whatever it is fed.
 *
 * - A code ends at the terminator (CR, LF or CRLF). With CR, an LF right after it is ignored.
 * - With `stxEtx`, a code is STX code ETX terminator; bytes outside a frame are noise; an STX
 *   inside a frame restarts it; a terminator before ETX, or anything but the terminator after
 *   it, spoils the frame.
 * - A gap of more than `interByteGapMs` inside a code truncates it (the bytes so far are
 *   discarded); `idle(at)` reports that without waiting for the next byte.
 * - Over `maxCodeBytes`, the code is discarded up to the next terminator (or gap).
 * - A finished code must be UTF-8 without NUL bytes. An empty code is ignored.
 */
export type Terminator = 'CR' | 'LF' | 'CRLF';

export interface ScannerFramerOptions {
  terminator: Terminator;
  stxEtx: boolean;
  maxCodeBytes: number;
  interByteGapMs: number;
  /**
   * Wire time of one character (9600 8N1: 1.04 ms). A chunk of n bytes that arrives at `at`
   * began on the wire at least (n - 1) characters earlier; the gap is measured to that, so a
   * stalled reader that gets a whole code in one late chunk does not see a false gap. 0: off.
   */
  charTimeMs?: number;
}

export type BadInputReason = 'too-long' | 'truncated' | 'invalid-utf8' | 'nul' | 'noise' | 'unframed';

export type ScannerFramerOutput =
  | { kind: 'code'; text: string; bytes: number }
  /** `bytes` counts what was thrown away; `head` is at most its first 16 bytes, for a hex log. */
  | { kind: 'bad'; reason: BadInputReason; bytes: number; head: Buffer };

const CR = 0x0d;
const LF = 0x0a;
const STX = 0x02;
const ETX = 0x03;
const HEAD_BYTES = 16;

type State =
  /** Between codes (plain mode: nothing buffered yet; STX mode: waiting for STX). */
  | 'idle'
  /** Collecting a code's bytes. */
  | 'code'
  /** STX mode: ETX seen, the terminator must follow. */
  | 'after-etx'
  /** Code over the cap: dropping bytes up to the next terminator. */
  | 'overflow'
  /** STX mode: bytes outside a frame. */
  | 'noise';

export class ScannerFramer {
  private readonly buf: Buffer;
  private len = 0;
  private state: State = 'idle';
  /** Bytes counted in the current overflow or noise run. */
  private dropped = 0;
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLen = 0;
  /** CRLF mode: a CR was seen and the next byte decides whether it ends the code. */
  private pendingCr = false;
  /** CR mode: the last byte was a terminating CR, so an LF now is ignored. */
  private lastWasCr = false;
  private lastAt = Number.NEGATIVE_INFINITY;
  private out: ScannerFramerOutput[] = [];

  constructor(private readonly options: ScannerFramerOptions) {
    if (!(options.maxCodeBytes >= 1)) throw new RangeError('maxCodeBytes must be at least 1');
    this.buf = Buffer.alloc(options.maxCodeBytes);
  }

  /** Bytes held for the code in progress (never more than maxCodeBytes). */
  get buffered(): number {
    return this.len;
  }

  /** True while a code (or a run of discarded bytes) is in progress. */
  get busy(): boolean {
    return this.state !== 'idle' || this.pendingCr;
  }

  push(chunk: Uint8Array, at: number): ScannerFramerOutput[] {
    this.out = [];
    if (chunk.length === 0) return this.out;
    this.checkGap(at - (chunk.length - 1) * (this.options.charTimeMs ?? 0));
    this.lastAt = at;
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i] as number);
    return this.out;
  }

  /** Reports a code cut off by a gap, without waiting for the next byte. */
  idle(at: number): ScannerFramerOutput[] {
    this.out = [];
    this.checkGap(at);
    return this.out;
  }

  /** Drops whatever is in progress without reporting it (the port was lost or reopened). */
  reset(): void {
    this.len = 0;
    this.state = 'idle';
    this.dropped = 0;
    this.headLen = 0;
    this.pendingCr = false;
    this.lastWasCr = false;
    this.lastAt = Number.NEGATIVE_INFINITY;
  }

  private checkGap(at: number): void {
    if (!this.busy || at - this.lastAt <= this.options.interByteGapMs) return;
    if (this.pendingCr) {
      // CRLF mode: a CR that no LF followed is an ordinary byte of what was in progress.
      this.pendingCr = false;
      if (this.state === 'code') this.append(CR);
      else if (this.state === 'noise' || this.state === 'overflow') this.drop(CR);
    }
    switch (this.state) {
      case 'code':
      case 'after-etx':
        this.bad('truncated', this.len, this.buf);
        break;
      case 'overflow':
        this.bad('too-long', this.dropped, this.head.subarray(0, this.headLen));
        break;
      case 'noise':
        this.bad('noise', this.dropped, this.head.subarray(0, this.headLen));
        break;
      case 'idle':
        // A lone CR in CRLF mode between codes: noise of one byte.
        this.bad('noise', 1, Buffer.from([CR]));
        break;
    }
    this.toIdle();
  }

  private byte(b: number): void {
    const term = this.options.terminator;
    if (term === 'CR' && this.lastWasCr) {
      this.lastWasCr = false;
      if (b === LF) return;
    }
    if (term === 'CRLF') {
      if (this.pendingCr) {
        this.pendingCr = false;
        if (b === LF) {
          this.terminator();
          return;
        }
        // A CR not followed by LF is an ordinary byte.
        this.ordinary(CR);
      }
      if (b === CR) {
        this.pendingCr = true;
        return;
      }
    } else if (b === (term === 'CR' ? CR : LF)) {
      this.terminator();
      if (term === 'CR') this.lastWasCr = true;
      return;
    }
    this.ordinary(b);
  }

  private terminator(): void {
    switch (this.state) {
      case 'idle':
        return; // empty line
      case 'code':
        if (this.options.stxEtx) this.bad('unframed', this.len, this.buf);
        else this.finishCode();
        break;
      case 'after-etx':
        this.finishCode();
        break;
      case 'overflow':
        this.bad('too-long', this.dropped, this.head.subarray(0, this.headLen));
        break;
      case 'noise':
        this.bad('noise', this.dropped, this.head.subarray(0, this.headLen));
        break;
    }
    this.toIdle();
  }

  private ordinary(b: number): void {
    const stx = this.options.stxEtx;
    switch (this.state) {
      case 'idle':
        if (!stx) {
          this.state = 'code';
          this.append(b);
        } else if (b === STX) {
          this.state = 'code';
        } else {
          this.state = 'noise';
          this.drop(b);
        }
        return;
      case 'noise':
        if (b === STX) {
          this.bad('noise', this.dropped, this.head.subarray(0, this.headLen));
          this.toIdle();
          this.state = 'code';
        } else {
          this.drop(b);
        }
        return;
      case 'code':
        if (stx && b === STX) {
          // A new frame starts: what we had is a truncated code.
          if (this.len > 0) this.bad('truncated', this.len, this.buf);
          this.toIdle();
          this.state = 'code';
        } else if (stx && b === ETX) {
          this.state = 'after-etx';
        } else {
          this.append(b);
        }
        return;
      case 'after-etx':
        // Anything but the terminator after ETX spoils the frame; an STX starts the next one.
        this.bad('unframed', this.len, this.buf);
        this.toIdle();
        this.ordinary(b);
        return;
      case 'overflow':
        this.drop(b);
        return;
    }
  }

  private append(b: number): void {
    if (this.len < this.options.maxCodeBytes) {
      this.buf[this.len++] = b;
      return;
    }
    // Over the cap: keep only the head for the log and count the rest.
    this.state = 'overflow';
    this.headLen = Math.min(HEAD_BYTES, this.len);
    this.buf.copy(this.head, 0, 0, this.headLen);
    this.dropped = this.len + 1;
    this.len = 0;
  }

  private drop(b: number): void {
    if (this.headLen < HEAD_BYTES) this.head[this.headLen++] = b;
    this.dropped++;
  }

  private finishCode(): void {
    const n = this.len;
    if (n === 0) return; // empty code: ignored
    const bytes = this.buf.subarray(0, n);
    if (bytes.includes(0)) this.bad('nul', n, bytes);
    else if (!isUtf8(bytes)) this.bad('invalid-utf8', n, bytes);
    else this.out.push({ kind: 'code', text: bytes.toString('utf8'), bytes: n });
  }

  private bad(reason: BadInputReason, bytes: number, from: Uint8Array): void {
    if (bytes === 0 && reason !== 'unframed') return;
    this.out.push({
      kind: 'bad',
      reason,
      bytes,
      head: Buffer.from(from.subarray(0, Math.min(HEAD_BYTES, bytes))),
    });
  }

  private toIdle(): void {
    this.state = 'idle';
    this.len = 0;
    this.dropped = 0;
    this.headLen = 0;
  }
}
