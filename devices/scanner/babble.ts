/**
 * The frames of one babble burst (devices/scanner/framer.ts): every frame that followed a bad
 * frame with no quiet between, counted (frames, bytes) with the head of the first for a hex
 * log. Holds 16 bytes whatever the burst's length.
 */
const HEAD_BYTES = 16;

export interface BabbleReport {
  bytes: number;
  frames: number;
  head: Buffer;
}

export class BabbleRun {
  private bytes = 0;
  private frames = 0;
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLen = 0;

  /** `since`: wire time the run (or its last report) began. */
  constructor(public since: number) {}

  get empty(): boolean {
    return this.frames === 0;
  }

  add(bytes: number, from: Uint8Array): void {
    if (this.frames === 0) {
      this.headLen = Math.min(HEAD_BYTES, bytes, from.length);
      this.head.set(from.subarray(0, this.headLen));
    }
    this.bytes += bytes;
    this.frames++;
  }

  /** What the run holds, and a fresh start at `at`; undefined when it holds nothing. */
  take(at: number): BabbleReport | undefined {
    const report = this.empty
      ? undefined
      : { bytes: this.bytes, frames: this.frames, head: Buffer.from(this.head.subarray(0, this.headLen)) };
    this.bytes = 0;
    this.frames = 0;
    this.headLen = 0;
    this.since = at;
    return report;
  }
}
