import { isUtf8 } from 'node:buffer';
import { BabbleRun } from './babble.ts';
import type { BadInputReason, ScannerFramerOptions, ScannerFramerOutput } from './framer-io.ts';
import { PassPrefixProbe } from './pass-prefix-probe.ts';
import { type ImplausibleWhy, implausibility } from './plausible-code.ts';

/**
 * The QR scanner's framing, datasheet section 1, as a pure parser: bytes and their arrival time
 * (wire time, real ms) in, codes and counted discards out. It never throws and never holds more
 * than `maxCodeBytes` bytes, whatever it is fed.
 *
 * - A code ends at the terminator (CR, LF or CRLF). With CR, an LF right after it is ignored;
 *   with LF, a CR right before it is part of the terminator (a scanner left on CRLF).
 * - With `stxEtx`, a code is STX code ETX terminator; bytes outside a frame are noise; an STX
 *   inside a frame restarts it; a terminator before ETX, or anything but the terminator after
 *   it, spoils the frame.
 * - A gap of more than `interByteGapMs` inside a code cuts it off. The bytes that follow the
 *   gap are its tail, not a new code: they are discarded up to the terminator (or an STX in
 *   STX/ETX mode), and one `truncated` output counts the bytes on both sides of the gap. The
 *   discard ends without a terminator after a silence of `resyncSilenceMs` (a cut whose tail
 *   never came; `idle(at)` reports it without waiting for the next byte), or, in plain mode,
 *   at a burst that begins after a silence of more than `interByteGapMs` with a pass prefix
 *   (`GP1:`, `HC1:`): that is a new scan (a rescan of a pass), read as a code. A true tail
 *   begins so only by chance (an HC1 tail, whose base45 can spell either prefix; never a GP1
 *   tail, whose base64url has no ':'), and then is read as a pass that does not verify.
 *   The same holds for an over-long code's discard.
 * - Over `maxCodeBytes`, the code is discarded up to the next terminator.
 * - A finished code must be plausible text (plausible-code.ts): UTF-8, no NUL, no control
 *   characters, a pass prefix followed by its own alphabet. An empty code is ignored.
 * - Babble: after a bad frame, every frame that follows in the same burst (no silence of
 *   `interByteGapMs`), code-like or not, is part of the bad input: none is a scan, and they are
 *   reported as one `babble` output (with the number of frames and bytes) when the burst ends,
 *   or once a second while it goes on. A scanner sends one code per burst; a line that has just
 *   sent garbage is not believed until it has been quiet.
 */
export type {
  BadInputReason,
  ScannerFramerOptions,
  ScannerFramerOutput,
  Terminator,
} from './framer-io.ts';

const CR = 0x0d;
const LF = 0x0a;
const STX = 0x02;
const ETX = 0x03;
const HEAD_BYTES = 16;
const DEFAULT_RESYNC_SILENCE_MS = 1000;
/** A babble that goes on is reported this often (wire ms), so that it is seen while it lasts. */
const BABBLE_REPORT_MS = 1000;

type State =
  /** Between codes (plain mode: nothing buffered yet; STX mode: waiting for STX). */
  | 'idle'
  /** Collecting a code's bytes. */
  | 'code'
  /** STX mode: ETX seen, the terminator must follow. */
  | 'after-etx'
  /** Code over the cap: dropping bytes up to the next terminator. */
  | 'overflow'
  /** A code cut off by a gap: dropping its tail up to the next terminator. */
  | 'cut'
  /** STX mode: bytes outside a frame. */
  | 'noise';

export class ScannerFramer {
  private readonly buf: Buffer;
  private len = 0;
  private state: State = 'idle';
  /** Bytes counted in the current overflow, cut or noise run. */
  private dropped = 0;
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLen = 0;
  /** CRLF mode: a CR was seen and the next byte decides whether it ends the code. */
  private pendingCr = false;
  /** CR mode: the last byte was a terminating CR, so an LF now is ignored. */
  private lastWasCr = false;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** A bad frame ended at a terminator and the line has not been quiet since. */
  private tainted = false;
  private babble: BabbleRun | undefined;
  /** Plain mode: the first bytes of a burst after a gap in a discard (a new scan, or the tail?). */
  private readonly probe = new PassPrefixProbe();
  private readonly resyncMs: number;
  private out: ScannerFramerOutput[] = [];

  constructor(private readonly options: ScannerFramerOptions) {
    if (!(options.maxCodeBytes >= 1)) throw new RangeError('maxCodeBytes must be at least 1');
    this.buf = Buffer.alloc(options.maxCodeBytes);
    this.resyncMs = Math.max(options.resyncSilenceMs ?? DEFAULT_RESYNC_SILENCE_MS, options.interByteGapMs);
  }

  /** Bytes held for the code in progress (never more than maxCodeBytes). */
  get buffered(): number {
    return this.len;
  }

  /** True while a code, a run of discarded bytes or a babble is in progress. */
  get busy(): boolean {
    return this.state !== 'idle' || this.pendingCr || this.tainted;
  }

  /**
   * The silence (ms after the last byte) at which `idle()` next has something to decide: the
   * inter-byte gap, or the resync silence while a cut code's tail is being discarded.
   */
  get quietDeadlineMs(): number {
    return this.state === 'cut' || this.state === 'overflow' ? this.resyncMs : this.options.interByteGapMs;
  }

  push(chunk: Uint8Array, at: number): ScannerFramerOutput[] {
    this.out = [];
    if (chunk.length === 0) return this.out;
    const firstAt = at - (chunk.length - 1) * (this.options.charTimeMs ?? 0);
    const quiet = this.checkGap(firstAt);
    if (quiet && !this.options.stxEtx && (this.state === 'cut' || this.state === 'overflow'))
      this.probe.start();
    this.lastAt = Math.max(at, this.lastAt);
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i] as number);
    if (this.babble && !this.babble.empty && at - this.babble.since >= BABBLE_REPORT_MS) {
      this.reportBabble(at);
    }
    return this.out;
  }

  /** Reports a code cut off by a gap (or the end of a babble), without waiting for the next byte. */
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
    this.tainted = false;
    this.babble = undefined;
    this.probe.take();
  }

  /** True when the line was quiet for more than the inter-byte gap before `at`. */
  private checkGap(at: number): boolean {
    const silence = at - this.lastAt;
    if (silence <= this.options.interByteGapMs) return false;
    if (!this.busy) return true;
    // A burst that ended before it showed a pass prefix was the tail's.
    this.dropProbe();
    if (this.pendingCr) {
      // CRLF mode: a CR that no LF followed is an ordinary byte of what was in progress.
      this.pendingCr = false;
      if (this.state === 'code') this.append(CR);
      // A lone CR in CRLF mode between codes: noise of one byte.
      else if (this.state === 'idle') this.reject('noise', 1, Buffer.from([CR]), true);
      else if (this.state !== 'after-etx') this.drop(CR);
    }
    if (this.state === 'code' || this.state === 'after-etx') {
      // Cut off: what follows the gap is the code's tail, discarded up to the terminator.
      this.startDiscard('cut');
    } else if (this.state === 'noise') {
      this.reject('noise', this.dropped, this.head.subarray(0, this.headLen), true);
      this.toIdle();
    }
    // A cut or over-long code's tail is discarded up to the terminator, or a long silence.
    if ((this.state === 'cut' || this.state === 'overflow') && silence > this.resyncMs)
      this.endDiscard(false);
    // The line was quiet: a babble burst is over, and the next code is believed again.
    this.tainted = false;
    this.reportBabble(at);
    return true;
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
        if (this.options.stxEtx) this.reject('unframed', this.len, this.buf, true);
        else this.finishCode();
        break;
      case 'after-etx':
        this.finishCode();
        break;
      case 'overflow':
      case 'cut':
        this.dropProbe();
        this.endDiscard(true);
        return;
      case 'noise':
        this.reject('noise', this.dropped, this.head.subarray(0, this.headLen), true);
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
          this.reject('noise', this.dropped, this.head.subarray(0, this.headLen), false);
          this.toIdle();
          this.state = 'code';
        } else {
          this.drop(b);
        }
        return;
      case 'code':
        if (stx && b === STX) {
          // A new frame starts (the datasheet's restart): what we had is a truncated code.
          if (this.len > 0) this.reject('truncated', this.len, this.buf, false);
          this.toIdle();
          this.state = 'code';
        } else if (stx && b === ETX) {
          this.state = 'after-etx';
        } else {
          this.append(b);
        }
        return;
      case 'after-etx':
        if (b === CR && this.options.terminator === 'LF') return; // CR LF on an LF setting
        // Anything but the terminator after ETX spoils the frame; an STX starts the next one.
        this.reject('unframed', this.len, this.buf, false);
        this.toIdle();
        this.ordinary(b);
        return;
      case 'cut':
        if (stx && b === STX) {
          // In STX/ETX mode a frame's start is unambiguous: the tail ends here.
          this.endDiscard(false);
          this.state = 'code';
        } else {
          this.tailByte(b);
        }
        return;
      case 'overflow':
        this.tailByte(b);
        return;
    }
  }

  /** A byte while a discard runs: the tail's, unless it begins a burst with a pass prefix. */
  private tailByte(b: number): void {
    const seen = this.probe.watching ? this.probe.add(b) : 'no-probe';
    if (seen === 'more') return;
    if (seen !== 'prefix') {
      if (seen === 'no-probe') this.drop(b);
      else this.dropProbe();
      return;
    }
    const held = this.probe.take();
    // A fresh burst that begins with a pass prefix is a new scan: the discard ends here.
    this.endDiscard(false);
    this.state = 'code';
    for (const x of held) this.append(x);
  }

  private dropProbe(): void {
    if (this.probe.watching) for (const x of this.probe.take()) this.drop(x);
  }

  private append(b: number): void {
    if (this.len < this.options.maxCodeBytes) {
      this.buf[this.len++] = b;
      return;
    }
    // Over the cap: keep only the head for the log and count the rest.
    this.startDiscard('overflow');
    this.dropped++;
  }

  /** Moves the code in progress into a discard run (its head kept for the log). */
  private startDiscard(state: 'overflow' | 'cut'): void {
    this.state = state;
    this.headLen = Math.min(HEAD_BYTES, this.len);
    this.buf.copy(this.head, 0, 0, this.headLen);
    this.dropped = this.len;
    this.len = 0;
  }

  /**
   * The discard of a cut (or over-long) code ends: one output counts all its bytes, both sides
   * of the gap. `atTerminator`: the frames that follow in the same burst are babble.
   */
  private endDiscard(atTerminator: boolean): void {
    const reason = this.state === 'cut' ? 'truncated' : 'too-long';
    this.reject(reason, this.dropped, this.head.subarray(0, this.headLen), atTerminator);
    this.toIdle();
  }

  private drop(b: number): void {
    if (this.headLen < HEAD_BYTES) this.head[this.headLen++] = b;
    this.dropped++;
  }

  private finishCode(): void {
    let n = this.len;
    // LF mode: a CR right before the LF belongs to the terminator (a scanner set to CRLF).
    if (!this.options.stxEtx && this.options.terminator === 'LF' && n > 0 && this.buf[n - 1] === CR) n--;
    if (n === 0) return; // empty code: ignored
    const bytes = this.buf.subarray(0, n);
    if (bytes.includes(0)) this.reject('nul', n, bytes, true);
    else if (!isUtf8(bytes)) this.reject('invalid-utf8', n, bytes, true);
    else {
      const text = bytes.toString('utf8');
      const why = implausibility(text);
      if (why) this.reject('implausible', n, bytes, true, why);
      else if (this.tainted) this.addToBabble(n, bytes);
      else this.out.push({ kind: 'code', text, bytes: n });
    }
  }

  /**
   * Bad input. The first bad frame of a burst is reported at once; with `taint`, the frames
   * that follow it in the same burst are babble (see the top of the file).
   */
  private reject(
    reason: BadInputReason,
    bytes: number,
    from: Uint8Array,
    taint: boolean,
    why?: ImplausibleWhy,
  ): void {
    if (bytes === 0 && reason !== 'unframed') return;
    if (this.tainted) {
      this.addToBabble(bytes, from);
      return;
    }
    this.out.push({
      kind: 'bad',
      reason,
      bytes,
      head: Buffer.from(from.subarray(0, Math.min(HEAD_BYTES, bytes))),
      ...(why ? { why } : {}),
    });
    if (taint) this.tainted = true;
  }

  private addToBabble(bytes: number, from: Uint8Array): void {
    this.babble ??= new BabbleRun(this.lastAt);
    this.babble.add(bytes, from);
  }

  /** Reports the babble so far; it goes on (from `at`) only while the line is still tainted. */
  private reportBabble(at: number): void {
    const report = this.babble?.take(at);
    if (report) this.out.push({ kind: 'bad', reason: 'babble', ...report });
    if (!this.tainted) this.babble = undefined;
  }

  private toIdle(): void {
    this.state = 'idle';
    this.len = 0;
    this.dropped = 0;
    this.headLen = 0;
  }
}
