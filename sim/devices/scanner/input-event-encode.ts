import type { InputEventSize } from '../../../devices/scanner/input-event.ts';
import { KEY_ENTER, KEY_F1, KEY_LEFTSHIFT, keystrokeFor } from './us-keystrokes.ts';

export const EV_SYN = 0;
export const EV_KEY = 1;
const SYN_REPORT = 0;

export interface SimInputEvent {
  timeMs: number;
  type: number;
  code: number;
  value: number;
}

/** One `struct input_event` as the kernel writes it for a process of the given record size. */
export function encodeInputEvent(e: SimInputEvent, size: InputEventSize, into?: Buffer, at = 0): Buffer {
  const buf = into ?? Buffer.alloc(size);
  const sec = Math.floor(e.timeMs / 1000);
  const usec = Math.round((e.timeMs - sec * 1000) * 1000);
  let o = at;
  if (size === 24) {
    buf.writeBigUInt64LE(BigInt(sec), o);
    buf.writeBigUInt64LE(BigInt(usec), o + 8);
    o += 16;
  } else {
    buf.writeUInt32LE(sec >>> 0, o);
    buf.writeUInt32LE(usec, o + 4);
    o += 8;
  }
  buf.writeUInt16LE(e.type, o);
  buf.writeUInt16LE(e.code, o + 2);
  buf.writeInt32LE(e.value, o + 4);
  return buf;
}

export function encodeInputEvents(events: readonly SimInputEvent[], size: InputEventSize): Buffer {
  const buf = Buffer.alloc(events.length * size);
  for (const [i, e] of events.entries()) encodeInputEvent(e, size, buf, i * size);
  return buf;
}

/**
 * The key events a wedge scanner sends to type one byte at `timeMs`: Shift down when needed,
 * the key down and up, Shift up, each followed by SYN_REPORT as a USB keyboard's reports are.
 * CR is Enter; a byte the US layout cannot type (control bytes other than CR, non-ASCII) is F1,
 * a key that types nothing. (Real keyboards also send EV_MSC/MSC_SCAN, left out here.)
 */
export function keyEventsForByte(byte: number, timeMs: number): SimInputEvent[] {
  const stroke = byte === 0x0d ? { code: KEY_ENTER, shift: false } : keystrokeFor(String.fromCharCode(byte));
  const { code, shift } = stroke ?? { code: KEY_F1, shift: false };
  const out: SimInputEvent[] = [];
  const key = (c: number, value: number) => {
    out.push({ timeMs, type: EV_KEY, code: c, value });
    out.push({ timeMs, type: EV_SYN, code: SYN_REPORT, value: 0 });
  };
  if (shift) key(KEY_LEFTSHIFT, 1);
  key(code, 1);
  key(code, 0);
  if (shift) key(KEY_LEFTSHIFT, 0);
  return out;
}
