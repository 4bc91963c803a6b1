/**
 * The serial barrier's ASCII lines (datasheet section 4) as a pure parser: every line ends with
 * CR; an LF is ignored; a line over `maxLineBytes`, or with a byte outside printable ASCII, is
 * discarded and counted. Never throws, never holds more than `maxLineBytes` bytes.
 */
export type LineFramerOutput = { kind: 'line'; text: string } | { kind: 'bad'; bytes: number; head: Buffer };

const CR = 0x0d;
const LF = 0x0a;

export class LineFramer {
  private readonly buf: Buffer;
  private len = 0;
  private dropped = 0;
  private bad = false;

  constructor(private readonly maxLineBytes = 64) {
    this.buf = Buffer.alloc(maxLineBytes);
  }

  get buffered(): number {
    return this.len;
  }

  push(chunk: Uint8Array): LineFramerOutput[] {
    const out: LineFramerOutput[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === LF) continue;
      if (b === CR) {
        if (this.bad)
          out.push({
            kind: 'bad',
            bytes: this.dropped,
            head: Buffer.from(this.buf.subarray(0, Math.min(this.len, 16))),
          });
        else if (this.len > 0) out.push({ kind: 'line', text: this.buf.toString('latin1', 0, this.len) });
        this.len = 0;
        this.dropped = 0;
        this.bad = false;
        continue;
      }
      this.dropped++;
      if (b < 0x20 || b > 0x7e) this.bad = true;
      if (this.len < this.maxLineBytes) this.buf[this.len++] = b;
      else this.bad = true;
    }
    return out;
  }

  reset(): void {
    this.len = 0;
    this.dropped = 0;
    this.bad = false;
  }
}
