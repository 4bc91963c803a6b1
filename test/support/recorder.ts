import type { SerialLink } from '../../devices/serial/link.ts';
import { PtyDeviceLink } from '../../sim/attach/pty-link.ts';
import type { LineFormat } from '../../sim/pacing.ts';

/** 8N1 at a baud rate. */
export function format8N1(baudRate: number): LineFormat {
  return { baudRate, dataBits: 8, parity: 'none', stopBits: 1 };
}

/** Opens the host end of a PTY as the gateway would (serialport), as a SerialLink. */
export function openHostEnd(path: string, format: LineFormat): Promise<PtyDeviceLink> {
  return PtyDeviceLink.open(path, format);
}

export interface ReceivedChunk {
  /** performance.now() when the chunk reached this process. */
  at: number;
  bytes: Buffer;
}

/** Records what arrives on the host end of a serial line, with arrival times, and waits for it. */
export class ByteRecorder {
  readonly chunks: ReceivedChunk[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly link: SerialLink) {
    link.on('data', (bytes: Buffer) => {
      this.chunks.push({ at: performance.now(), bytes: Buffer.from(bytes) });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.bytes));
  }

  clear(): void {
    this.chunks.length = 0;
  }

  /** Resolves with everything received once `done(bytes)` holds; rejects after `timeoutMs`. */
  waitFor(done: (bytes: Buffer) => boolean, timeoutMs = 2000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const b = this.bytes;
        if (done(b)) {
          clearTimeout(timer);
          resolve(b);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onData);
        reject(new Error(`timed out after ${timeoutMs} ms; received ${this.bytes.toString('hex')}`));
      }, timeoutMs);
      const onData = () => {
        if (!check()) this.waiters.push(onData);
      };
      onData();
    });
  }

  waitForBytes(n: number, timeoutMs?: number): Promise<Buffer> {
    return this.waitFor((b) => b.length >= n, timeoutMs);
  }

  /** Waits until `text` appears (latin1) in what was received. */
  waitForText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitFor((b) => b.toString('latin1').includes(text), timeoutMs).then((b) =>
      b.toString('latin1'),
    );
  }

  /** Waits `ms` and returns what arrived meanwhile (for asserting silence). */
  async collect(ms: number): Promise<Buffer> {
    const from = this.chunks.length;
    await new Promise((r) => setTimeout(r, ms));
    return Buffer.concat(this.chunks.slice(from).map((c) => c.bytes));
  }
}
