/**
 * Linux `struct input_event` (include/uapi/linux/input.h), as read() from /dev/input/eventN:
 *
 *     struct input_event { <seconds> ; <microseconds> ; __u16 type; __u16 code; __s32 value; };
 *
 * The two time fields are the kernel's `unsigned long` for the reading process: 8 bytes each for
 * a 64-bit process (x86_64, arm64: 24-byte records), 4 bytes each for a 32-bit process (armv7,
 * i386: 16-byte records; since Linux 5.0 the kernel keeps this layout for 32-bit processes even
 * with a 64-bit time_t). The record size therefore follows the reading process, which is what
 * `process.arch` says. Little-endian on every architecture the gateway runs on.
 */
export type InputEventSize = 16 | 24;

export interface InputEvent {
  /** Kernel timestamp of the event, in milliseconds (seconds and microseconds combined). */
  timeMs: number;
  type: number;
  code: number;
  value: number;
}

/** EV_SYN, EV_KEY, EV_MSC from include/uapi/linux/input-event-codes.h. */
export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_MSC = 0x04;
/** The highest event type there is (EV_MAX): a record of a higher type is no input_event. */
export const EV_MAX = 0x1f;
/** EV_SYN code: the kernel's buffer overflowed and events were lost. */
export const SYN_DROPPED = 3;

const ARCH_32_BIT = new Set(['arm', 'ia32', 'mips', 'mipsel', 'ppc']);

/** The record size a process of `arch` (process.arch) reads from an evdev device. */
export function inputEventSizeFor(arch: string): InputEventSize {
  return ARCH_32_BIT.has(arch) ? 16 : 24;
}

/** `auto` resolves from process.arch (the config's `eventSize`). */
export function resolveInputEventSize(setting: 'auto' | InputEventSize, arch: string): InputEventSize {
  return setting === 'auto' ? inputEventSizeFor(arch) : setting;
}

/** One record at `offset` of `buf` (which holds at least `size` bytes from there). */
export function readInputEvent(buf: Uint8Array, offset: number, size: InputEventSize): InputEvent {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, size);
  let sec: number;
  let usec: number;
  let at: number;
  if (size === 24) {
    // A seconds count past 2^53 is no real timestamp; the low 53 bits are enough for any clock.
    sec = Number(view.getBigUint64(0, true) & 0x1f_ffff_ffff_ffffn);
    usec = Number(view.getBigUint64(8, true) & 0xf_ffffn);
    at = 16;
  } else {
    sec = view.getUint32(0, true);
    usec = view.getUint32(4, true);
    at = 8;
  }
  return {
    timeMs: sec * 1000 + Math.min(usec, 999_999) / 1000,
    type: view.getUint16(at, true),
    code: view.getUint16(at + 2, true),
    value: view.getInt32(at + 4, true),
  };
}

/**
 * Cuts a byte stream into records. A read() of an evdev device returns whole records, but a FIFO
 * (the simulator) or a short read may split one: the partial record is kept for the next chunk,
 * never more than one record's bytes.
 */
export class InputEventStream {
  private readonly partial: Buffer;
  private partialLen = 0;

  constructor(readonly size: InputEventSize) {
    this.partial = Buffer.alloc(size);
  }

  /** Bytes of an incomplete record held for the next chunk. */
  get pending(): number {
    return this.partialLen;
  }

  push(chunk: Uint8Array): InputEvent[] {
    const out: InputEvent[] = [];
    let i = 0;
    if (this.partialLen > 0) {
      const take = Math.min(this.size - this.partialLen, chunk.length);
      this.partial.set(chunk.subarray(0, take), this.partialLen);
      this.partialLen += take;
      i = take;
      if (this.partialLen < this.size) return out;
      out.push(readInputEvent(this.partial, 0, this.size));
      this.partialLen = 0;
    }
    for (; i + this.size <= chunk.length; i += this.size) out.push(readInputEvent(chunk, i, this.size));
    if (i < chunk.length) {
      this.partial.set(chunk.subarray(i), 0);
      this.partialLen = chunk.length - i;
    }
    return out;
  }

  reset(): void {
    this.partialLen = 0;
  }
}
