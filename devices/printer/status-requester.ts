import type { TimerHandle } from '../../core/clock.ts';
import type { WireClock } from '../serial/wire-clock.ts';
import { isStatusByte, type StatusRequest, statusRequestBytes } from './printer-status.ts';

/**
 * Asks DLE EOT n and matches the one-byte replies to the requests, one request on the line at a
 * time: a reply byte carries no n, so with one request outstanding there is never a doubt which
 * request a byte answers. A request not answered within its timeout fails for the caller, but
 * stays on the line for `lateWindowMs` more: a reply that comes then is still the printer's word
 * on its state (`late`), and the next request waits for it (or for the window to close, which
 * counts as silence). Bytes that are no status reply are garbage; bytes with nothing asked are
 * unsolicited. XON/XOFF (0x11, 0x13) are flow control, dropped without a word.
 */
export type StatusAnswer = { ok: true; byte: number } | { ok: false; reason: 'timeout' | 'port' };

export interface StatusRequesterOptions {
  wire: WireClock;
  write: (bytes: Buffer) => Promise<void>;
  lateWindowMs: number;
  /** A reply matched to its request; `late` if its caller had given up on it. */
  onReply: (n: StatusRequest, byte: number, late: boolean) => void;
  /** A request went unanswered through its late window. */
  onSilent: (n: StatusRequest) => void;
  /** Bytes thrown away: `garbage` where a reply was due, `unsolicited` with nothing asked. */
  onDiscard: (kind: 'garbage' | 'unsolicited', bytes: number[]) => void;
}

interface Outstanding {
  n: StatusRequest;
  late: boolean;
  settle: (answer: StatusAnswer) => void;
  /** Frees the line for the next request. */
  release: () => void;
  timer: TimerHandle | undefined;
}

const XON = 0x11;
const XOFF = 0x13;

export class StatusRequester {
  private outstanding: Outstanding | undefined;
  /** Resolves when the last request asked so far has left the line. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: StatusRequesterOptions) {}

  /** True while a request (on time or late) is on the line. */
  get busy(): boolean {
    return this.outstanding !== undefined;
  }

  /** Asks DLE EOT n once the line is free; the answer, or why not, within `timeoutMs` of sending. */
  async ask(n: StatusRequest, timeoutMs: number): Promise<StatusAnswer> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    let settle!: (answer: StatusAnswer) => void;
    const answer = new Promise<StatusAnswer>((resolve) => {
      settle = resolve;
    });
    const o: Outstanding = { n, late: false, settle, release, timer: undefined };
    this.outstanding = o;
    o.timer = this.options.wire.setTimeout(() => this.timedOut(o), timeoutMs);
    try {
      await this.options.write(statusRequestBytes(n));
    } catch {
      if (this.outstanding === o) this.reset();
    }
    return answer;
  }

  /** Bytes from the printer. */
  feed(chunk: Uint8Array): void {
    const garbage: number[] = [];
    const unsolicited: number[] = [];
    for (const byte of chunk) {
      if (byte === XON || byte === XOFF) continue;
      const o = this.outstanding;
      if (!o) unsolicited.push(byte);
      else if (!isStatusByte(byte)) garbage.push(byte);
      else this.answered(o, byte);
    }
    if (garbage.length > 0) this.options.onDiscard('garbage', garbage);
    if (unsolicited.length > 0) this.options.onDiscard('unsolicited', unsolicited);
  }

  /** The port went down: whatever was asked is lost. */
  reset(): void {
    const o = this.outstanding;
    if (!o) return;
    this.finish(o);
    if (!o.late) o.settle({ ok: false, reason: 'port' });
  }

  private timedOut(o: Outstanding): void {
    if (this.outstanding !== o) return;
    o.late = true;
    o.settle({ ok: false, reason: 'timeout' });
    o.timer = this.options.wire.setTimeout(() => {
      if (this.outstanding !== o) return;
      this.finish(o);
      this.options.onSilent(o.n);
    }, this.options.lateWindowMs);
  }

  private answered(o: Outstanding, byte: number): void {
    this.finish(o);
    if (!o.late) o.settle({ ok: true, byte });
    this.options.onReply(o.n, byte, o.late);
  }

  private finish(o: Outstanding): void {
    this.options.wire.clearTimeout(o.timer);
    o.timer = undefined;
    if (this.outstanding === o) this.outstanding = undefined;
    o.release();
  }
}
