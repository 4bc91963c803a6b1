import type { SerialLink } from '../../devices/serial/link.ts';
import { ByteRecorder } from './recorder.ts';

/** How long a test listens to conclude that a slave stays silent (datasheet section 2 timeout). */
export const SILENCE_MS = 150;

/** Length of a complete RTU reply, judged from its first bytes; undefined while unknown. */
export function expectedReplyLength(b: Buffer): number | undefined {
  if (b.length < 2) return undefined;
  const fn = b[1] as number;
  if (fn & 0x80) return 5;
  if (fn <= 0x04 || fn === 0x11) return b.length >= 3 ? 5 + (b[2] as number) : undefined;
  return 8; // 0x05, 0x06, 0x0F, 0x10 echo address and quantity/value
}

export interface ReplyResult {
  /** The reply bytes, or an empty buffer if the slave stayed silent. */
  reply: Buffer;
  /** From the write of the request to the arrival of the reply's last byte (ms). */
  ms: number;
}

/** A test playing the Modbus master with raw bytes on the host end of a line. */
export class RawModbusMaster {
  readonly rec: ByteRecorder;

  constructor(readonly link: SerialLink) {
    this.rec = new ByteRecorder(link);
  }

  /**
   * Sends one request frame and waits for a complete reply, or for `timeoutMs` of silence
   * (then `reply` is empty). Bytes beyond the expected reply length are returned too. The
   * default wait is generous so a loaded machine does not fail a test; pass SILENCE_MS (the
   * datasheet's response timeout) where silence is what the test expects.
   */
  async request(frame: Uint8Array, timeoutMs = 1000): Promise<ReplyResult> {
    this.rec.clear();
    const t0 = performance.now();
    await this.link.write(frame);
    try {
      const reply = await this.rec.waitFor((b) => {
        const n = expectedReplyLength(b);
        return n !== undefined && b.length >= n;
      }, timeoutMs);
      return { reply, ms: (this.rec.chunks.at(-1)?.at ?? t0) - t0 };
    } catch {
      return { reply: this.rec.bytes, ms: performance.now() - t0 };
    }
  }
}
