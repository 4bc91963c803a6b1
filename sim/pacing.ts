import { EventEmitter } from 'node:events';
import { ErrorCode, GatepostError } from '../core/errors.ts';
import type { SerialLink } from '../devices/serial/link.ts';
import type { SerialPortSettings } from '../devices/serial/port-settings.ts';

/**
 * Wire pacing. A PTY or an in-memory line moves bytes as fast as the CPU allows; a UART moves
 * one character every (start + data + parity + stop bits) / baud seconds. A simulated device
 * puts every byte it sends on a virtual wire and hands it to the line only once a real UART
 * would have finished receiving it, in chunks of about PACING_CHUNK_MS. Bytes coming in from
 * the host go over the same kind of virtual wire before the device sees them.
 *
 * Wire time is physical: it is measured with performance.now() and real timers, never with the
 * injected (possibly scaled or manual) Clock. Guarantees:
 *   - lower bound, strict: no byte is delivered before its wire time has passed, counted from
 *     the moment the wire became free (so a burst of n bytes takes at least n character times);
 *   - upper bound, loose: each byte is delivered at most about one chunk (PACING_CHUNK_MS) plus
 *     event-loop latency after its wire time; lateness does not accumulate over a burst
 *     (chunks are due at absolute times), so a 300-byte code at 9600 baud takes 312.5 ms plus
 *     a few ms.
 * A receiver sees gaps of about one chunk between chunks inside a frame, like a USB-serial
 * adapter's latency timer would show it.
 */
export type LineFormat = Pick<SerialPortSettings, 'baudRate' | 'dataBits' | 'parity' | 'stopBits'>;

/** Target duration of one chunk handed to the line. */
export const PACING_CHUNK_MS = 2;

export function bitsPerChar(f: LineFormat): number {
  return 1 + f.dataBits + (f.parity === 'none' ? 0 : 1) + f.stopBits;
}

/** Milliseconds one character occupies on the wire (9600 8N1: 1.0417 ms). */
export function charTimeMs(f: LineFormat): number {
  return (bitsPerChar(f) * 1000) / f.baudRate;
}

/** Milliseconds `bytes` characters occupy on the wire. */
export function wireTimeMs(f: LineFormat, bytes: number): number {
  return bytes * charTimeMs(f);
}

/** Modbus RTU t3.5: 3.5 character times, fixed at 1.75 ms above 19200 baud (Modbus over serial line 2.5.1.1). */
export function modbusSilenceMs(f: LineFormat): number {
  return f.baudRate > 19200 ? 1.75 : 3.5 * charTimeMs(f);
}

/** Real, monotonic milliseconds: the time base of every wire fact. */
export function wireNow(): number {
  return performance.now();
}

/** When bytes received from the host occupied the virtual wire (wireNow() milliseconds). */
export interface WireSpan {
  start: number;
  end: number;
}

interface TxChunk {
  due: number;
  bytes: Buffer;
  done?: () => void;
  fail: (err: Error) => void;
}

interface RxChunk extends WireSpan {
  bytes: Buffer;
}

/**
 * The device end of a serial line, paced to its baud rate in both directions.
 * Events: `data` (bytes: Buffer, span: WireSpan) once the bytes have crossed the wire;
 * `close` (Error | undefined) when the underlying line is gone.
 */
export class PacedLine extends EventEmitter {
  private readonly charMs: number;
  private readonly chunkBytes: number;
  private readonly tx: TxChunk[] = [];
  private readonly rx: RxChunk[] = [];
  private txFreeAt = 0;
  private rxFreeAt = 0;
  private txTimer: NodeJS.Timeout | undefined;
  private rxTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bytes handed to the line so far (after pacing). */
  bytesSent = 0;
  bytesReceived = 0;

  constructor(
    readonly link: SerialLink,
    readonly format: LineFormat,
    chunkMs = PACING_CHUNK_MS,
  ) {
    super();
    this.charMs = charTimeMs(format);
    this.chunkBytes = Math.max(1, Math.round(chunkMs / this.charMs));
    link.on('data', this.onLinkData);
    link.once('close', this.onLinkClose);
  }

  get isOpen(): boolean {
    return !this.closed && this.link.isOpen;
  }

  /** Wire time at which everything written so far will have been delivered. */
  get txIdleAt(): number {
    return Math.max(this.txFreeAt, wireNow());
  }

  /**
   * Queues bytes on the wire after anything already queued. Resolves once the last byte has
   * been handed to the line, rejects if the line closes first.
   *
   * `startAt` (a wireNow() time, past or future): when the device's UART began sending, if not
   * now. A device that answers the moment its own silence timer ends (a Modbus slave) starts on
   * the wire then, though this process's timer noticed that end a little later; the bytes are
   * still never delivered before their wire time counted from there, nor before the wire is free
   * (what was sent and what the host sent: RS-485 is half duplex).
   */
  write(data: Uint8Array, startAt?: number): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(
        new GatepostError(ErrorCode.PortClosed, `serial line ${this.link.path} is closed`),
      );
    }
    if (data.length === 0) return Promise.resolve();
    const bytes = Buffer.from(data);
    return new Promise<void>((done, fail) => {
      // A device that began sending at `startAt` (before this process noticed) still waits for
      // the half-duplex line: not over bytes the host was sending then.
      let t =
        startAt === undefined
          ? Math.max(wireNow(), this.txFreeAt)
          : Math.max(startAt, this.txFreeAt, this.rxFreeAt);
      for (let i = 0; i < bytes.length; i += this.chunkBytes) {
        const chunk = bytes.subarray(i, i + this.chunkBytes);
        t += chunk.length * this.charMs;
        const last = i + this.chunkBytes >= bytes.length;
        this.tx.push({ due: t, bytes: chunk, fail, ...(last ? { done } : {}) });
      }
      this.txFreeAt = t;
      this.scheduleTx();
    });
  }

  /** Drops everything queued (sent or received) and stops listening to the line; does not close it. */
  detach(): void {
    this.link.off('data', this.onLinkData);
    this.link.off('close', this.onLinkClose);
    this.shutdown(new GatepostError(ErrorCode.PortClosed, `serial line ${this.link.path} was detached`));
  }

  private scheduleTx(): void {
    if (this.txTimer || this.closed) return;
    const head = this.tx[0];
    if (!head) return;
    this.txTimer = setTimeout(this.pumpTx, Math.max(0, Math.ceil(head.due - wireNow())));
  }

  private readonly pumpTx = (): void => {
    this.txTimer = undefined;
    const now = wireNow();
    const ready: TxChunk[] = [];
    // Timers may fire a little early against performance.now(): send only what is due.
    while (this.tx[0] && this.tx[0].due <= now) ready.push(this.tx.shift() as TxChunk);
    if (ready.length > 0) {
      const bytes =
        ready.length === 1 ? (ready[0] as TxChunk).bytes : Buffer.concat(ready.map((c) => c.bytes));
      this.bytesSent += bytes.length;
      this.link.write(bytes).then(
        () => {
          for (const c of ready) c.done?.();
        },
        (err: unknown) => {
          for (const c of ready) c.fail(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }
    this.scheduleTx();
  };

  private readonly onLinkData = (chunk: Buffer): void => {
    if (this.closed) return;
    const start = Math.max(wireNow(), this.rxFreeAt);
    const end = start + chunk.length * this.charMs;
    this.rxFreeAt = end;
    this.rx.push({ start, end, bytes: chunk });
    this.scheduleRx();
  };

  private scheduleRx(): void {
    if (this.rxTimer || this.closed) return;
    const head = this.rx[0];
    if (!head) return;
    this.rxTimer = setTimeout(this.pumpRx, Math.max(0, Math.ceil(head.end - wireNow())));
  }

  private readonly pumpRx = (): void => {
    this.rxTimer = undefined;
    const now = wireNow();
    while (this.rx[0] && this.rx[0].end <= now) {
      const c = this.rx.shift() as RxChunk;
      this.bytesReceived += c.bytes.length;
      this.emit('data', c.bytes, { start: c.start, end: c.end } satisfies WireSpan);
    }
    this.scheduleRx();
  };

  private readonly onLinkClose = (err: Error | undefined): void => {
    this.shutdown(err ?? new GatepostError(ErrorCode.PortClosed, `serial line ${this.link.path} closed`));
    this.emit('close', err);
  };

  private shutdown(err: Error): void {
    this.closed = true;
    clearTimeout(this.txTimer);
    clearTimeout(this.rxTimer);
    this.txTimer = undefined;
    this.rxTimer = undefined;
    for (const c of this.tx.splice(0)) c.fail(err);
    this.rx.length = 0;
  }
}
