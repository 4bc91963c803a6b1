import { wireNow } from '../../pacing.ts';
import { MAX_RTU_FRAME } from './pdu.ts';

/**
 * Modbus RTU framing by silence, on the receiving side of a slave: a frame ends when the line
 * has been quiet for t3.5. Silence is judged on the virtual wire (the WireSpan of each chunk
 * from PacedLine), not on when Node got around to handling the chunk, so event-loop jitter can
 * neither split a frame sent in one burst nor join two frames sent with a real gap.
 *
 * A frame longer than MAX_RTU_FRAME is not kept: its bytes are counted as discarded until the
 * next silence. (The t1.5 inter-character rule is not enforced; like most slaves we only use t3.5.)
 */
export class RtuFramer {
  private parts: Buffer[] = [];
  private size = 0;
  private overflow = false;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  /** Bytes thrown away in over-long frames. */
  discardedBytes = 0;

  constructor(
    private readonly silenceMs: number,
    /** `silenceEndAt`: the wire time at which the frame's t3.5 silence was complete. */
    private readonly onFrame: (frame: Buffer, silenceEndAt: number) => void,
  ) {}

  push(bytes: Buffer, start: number, end: number): void {
    if (this.size > 0 && start - this.lastEnd >= this.silenceMs) this.flush();
    if (this.overflow || this.size + bytes.length > MAX_RTU_FRAME) {
      this.overflow = true;
      this.discardedBytes += bytes.length + this.size;
      this.parts = [];
      this.size = 0;
    } else {
      this.parts.push(bytes);
      this.size += bytes.length;
    }
    this.lastEnd = Math.max(this.lastEnd, end);
    this.arm();
  }

  /** Drops a frame in progress (the line went away). */
  reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.parts = [];
    this.size = 0;
    this.overflow = false;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(this.lastEnd + this.silenceMs - wireNow())));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const left = this.lastEnd + this.silenceMs - wireNow();
    if (left > 0) {
      this.timer = setTimeout(this.onTimer, Math.ceil(left));
      return;
    }
    this.flush();
  };

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const frame = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    const overflow = this.overflow;
    const silenceEndAt = this.lastEnd + this.silenceMs;
    this.parts = [];
    this.size = 0;
    this.overflow = false;
    if (!overflow && frame.length > 0) this.onFrame(frame, silenceEndAt);
  }
}
