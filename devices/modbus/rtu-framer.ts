import { crc16Modbus } from './crc.ts';

/**
 * Modbus RTU response framing as a pure parser: bytes and their arrival time in, CRC-checked
 * frames and counted discards out. It never throws and never holds more than 256 bytes (the
 * largest RTU frame), whatever it is fed.
 *
 * A frame's length is predicted from its header (function code, byte count). A silence of at
 * least `silenceMs` (t3.5 on the wire) ends whatever partial frame was pending: the next byte
 * starts a new frame, so a valid frame that follows a silence is recovered after any noise. A
 * complete candidate with a bad CRC is dropped whole, and a header that cannot start a response
 * is slid over one byte at a time.
 *
 * With `expect(...)` (the master knows what it asked for) only a header with the expected
 * address and function (or its exception) and the expected byte count starts a candidate, a
 * bad candidate is slid over one byte at a time, so an answer that noise ran straight into,
 * without a silence, is recovered too, and a silence does not cut a partial answer (the host's
 * view of silences is blurred by adapters and by its own scheduling).
 */
export const MAX_RTU_FRAME = 256;

export interface RtuExpectation {
  address: number;
  functionCode: number;
  /** Length of the normal response, CRC included. */
  length: number;
}

export type RtuDiscardReason = 'noise' | 'crc' | 'silence' | 'flush';

export type RtuFramerOutput =
  | { kind: 'frame'; frame: Buffer }
  /** `count` bytes thrown away; `head` is at most their first 16, for a hex log. */
  | { kind: 'discard'; reason: RtuDiscardReason; count: number; head: Buffer };

const HEAD_BYTES = 16;

/** Response length (CRC included) predicted from a header; undefined if it cannot be known yet. */
function predictResponseLength(buf: Uint8Array, len: number): number | 'need-more' | 'invalid' {
  if (len < 2) return 'need-more';
  const fn = buf[1] as number;
  if (fn & 0x80) return (fn & 0x7f) === 0 ? 'invalid' : 5;
  switch (fn) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x11: {
      if (len < 3) return 'need-more';
      const n = 5 + (buf[2] as number);
      return n <= MAX_RTU_FRAME && (buf[2] as number) > 0 ? n : 'invalid';
    }
    case 0x05:
    case 0x06:
    case 0x0f:
    case 0x10:
      return 8;
    default:
      return 'invalid';
  }
}

/**
 * The first CRC-valid response frame anywhere in `bytes` (any address, any function), or
 * undefined. For telling a wrong answer (another address, function or byte count) from noise;
 * at most 256 offsets, each a CRC over at most 256 bytes.
 */
export function findAnyFrame(bytes: Uint8Array): Buffer | undefined {
  for (let i = 0; i + 4 < bytes.length; i++) {
    const rest = bytes.subarray(i);
    const want = predictResponseLength(rest, rest.length);
    if (typeof want !== 'number' || want > rest.length) continue;
    if (crc16Modbus(rest, 0, want - 2) === ((rest[want - 2] as number) | ((rest[want - 1] as number) << 8))) {
      return Buffer.from(rest.subarray(0, want));
    }
  }
  return undefined;
}

export class RtuFramer {
  private readonly buf = Buffer.alloc(MAX_RTU_FRAME);
  private len = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  private expectation: RtuExpectation | undefined;
  /** The current run of discarded bytes, reported as one output. */
  private dropped = 0;
  private droppedCrc = false;
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLen = 0;
  private out: RtuFramerOutput[] = [];

  constructor(private readonly options: { silenceMs: number }) {}

  get buffered(): number {
    return this.len;
  }

  /** Restricts candidates to the response to this request; `undefined` accepts any response. */
  expect(expectation: RtuExpectation | undefined): void {
    this.expectation = expectation;
  }

  push(chunk: Uint8Array, at: number): RtuFramerOutput[] {
    this.out = [];
    if (chunk.length === 0) return this.out;
    // While an answer is expected, a silence does not cut the partial frame: a reader that was
    // stalled sees a gap the wire never had, and sliding finds the answer after any noise anyway.
    if (!this.expectation && at - this.lastAt >= this.options.silenceMs) this.endRun('silence');
    this.lastAt = at;
    for (let i = 0; i < chunk.length; i++) {
      this.buf[this.len++] = chunk[i] as number;
      this.scan();
    }
    // Bytes still pending are not discarded yet, but a finished run of noise is reported now.
    if (this.len === 0) this.reportDropped();
    return this.out;
  }

  /** Drops what is pending (before a new request, after a timeout) and reports it. */
  flush(): RtuFramerOutput[] {
    this.out = [];
    this.endRun('flush');
    return this.out;
  }

  private endRun(reason: 'silence' | 'flush'): void {
    const cut = this.len > 0;
    for (let i = 0; i < this.len; i++) this.drop(this.buf[i] as number);
    this.len = 0;
    this.reportDropped(cut ? reason : undefined);
  }

  /** Finds a frame at the start of the buffer, sliding over bytes that cannot start one. */
  private scan(): void {
    while (this.len > 0) {
      const want = this.candidateLength();
      if (want === 'need-more') return;
      if (want === 'invalid') {
        this.slide();
        continue;
      }
      if (this.len < want) return;
      if (
        crc16Modbus(this.buf, 0, want - 2) ===
        ((this.buf[want - 2] as number) | ((this.buf[want - 1] as number) << 8))
      ) {
        this.reportDropped();
        this.out.push({ kind: 'frame', frame: Buffer.from(this.buf.subarray(0, want)) });
        this.buf.copy(this.buf, 0, want, this.len);
        this.len -= want;
        continue;
      }
      this.droppedCrc = true;
      // Without an expectation, a frame with a bad CRC is dropped whole (as a slave would drop
      // it); with one, sliding a byte finds an answer that noise ran straight into.
      if (this.expectation) this.slide();
      else for (let i = 0; i < want; i++) this.slide();
    }
  }

  private candidateLength(): number | 'need-more' | 'invalid' {
    const e = this.expectation;
    if (!e) return predictResponseLength(this.buf, this.len);
    if (this.buf[0] !== e.address) return 'invalid';
    if (this.len < 2) return 'need-more';
    const fn = this.buf[1] as number;
    if (fn === (e.functionCode | 0x80)) return 5;
    if (fn !== e.functionCode) return 'invalid';
    // For reads, the byte count must be the one asked for.
    if (e.functionCode <= 0x04) {
      if (this.len < 3) return 'need-more';
      if ((this.buf[2] as number) !== e.length - 5) return 'invalid';
    }
    return e.length;
  }

  private slide(): void {
    this.drop(this.buf[0] as number);
    this.buf.copy(this.buf, 0, 1, this.len);
    this.len--;
  }

  private drop(b: number): void {
    if (this.headLen < HEAD_BYTES) this.head[this.headLen++] = b;
    this.dropped++;
  }

  private reportDropped(reason?: RtuDiscardReason): void {
    if (this.dropped > 0) {
      this.out.push({
        kind: 'discard',
        reason: this.droppedCrc ? 'crc' : (reason ?? 'noise'),
        count: this.dropped,
        head: Buffer.from(this.head.subarray(0, this.headLen)),
      });
    }
    this.dropped = 0;
    this.droppedCrc = false;
    this.headLen = 0;
  }
}
