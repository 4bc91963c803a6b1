import { EV_KEY, EV_MAX, EV_SYN, type InputEvent, SYN_DROPPED } from './input-event.ts';
import { CHORD_KEYS, ENTER_KEYS, LOCK_KEYS, SHIFT_KEYS, US_KEYMAP } from './us-keymap.ts';

/** The byte a code ends with: the evdev scanner frames its codes as the serial one set to CR. */
export const ENTER_BYTE = 0x0d;
/**
 * The byte for a key that types no character of the layout (Tab, Escape, F-keys, a key under
 * Ctrl or Alt, a key held until it repeats): ASCII SUB, a control character, so the code it is
 * part of fails the plausibility check (plausible-code.ts) as a serial code with a stray
 * control byte does, and is reported, never taken as a scan.
 */
export const UNTYPABLE_BYTE = 0x1a;

const KEY_UP = 0;
const KEY_DOWN = 1;
const KEY_REPEAT = 2;

/** One typed byte and the kernel time of the key press that typed it. */
export interface TypedByte {
  byte: number;
  timeMs: number;
}

/**
 * Key events of a keyboard-wedge scanner in, the bytes it typed out (UTF-8 of US-layout ASCII,
 * Enter as CR). Only EV_KEY events count, and SYN_DROPPED (keys lost: the code in progress is
 * spoiled); other EV_SYN, EV_MSC (scan codes), EV_REL and EV_ABS events are ignored. A record
 * whose type is past EV_MAX is no input event at all (records of the wrong size, eventSize):
 * it spoils the code in progress and is counted in `notEvents`. Holds no more state than which
 * modifiers are down, and forgets them at each Enter and at SYN_DROPPED: a Shift whose release
 * was lost, or that is never released, spoils one code at most, not every code after it.
 */
export class KeystrokeDecoder {
  private readonly shifts = new Set<number>();
  private readonly chords = new Set<number>();
  /** Records seen that are no input events (type past EV_MAX), until the caller resets it. */
  notEvents = 0;

  /** Appends to `out` the bytes `event` types (none, or one). */
  decode(event: InputEvent, out: TypedByte[]): void {
    if (event.type > EV_MAX) {
      this.notEvents++;
      out.push({ byte: UNTYPABLE_BYTE, timeMs: event.timeMs });
      return;
    }
    if (event.type === EV_SYN && event.code === SYN_DROPPED) {
      // Keys were lost (the reader fell behind): whatever code was being typed is not whole,
      // and a modifier's release may be among them.
      this.reset();
      out.push({ byte: UNTYPABLE_BYTE, timeMs: event.timeMs });
      return;
    }
    if (event.type !== EV_KEY) return;
    const { code, value } = event;
    if (SHIFT_KEYS.has(code)) {
      this.hold(this.shifts, code, value);
      return;
    }
    if (CHORD_KEYS.has(code)) {
      this.hold(this.chords, code, value);
      return;
    }
    if (value === KEY_UP || LOCK_KEYS.has(code)) return;
    if (value === KEY_REPEAT) {
      out.push({ byte: UNTYPABLE_BYTE, timeMs: event.timeMs });
      return;
    }
    if (value !== KEY_DOWN) return;
    if (ENTER_KEYS.has(code)) {
      // A scanner releases Shift after each character: one still down at the end of a code is stuck.
      this.reset();
      out.push({ byte: ENTER_BYTE, timeMs: event.timeMs });
      return;
    }
    const chars = US_KEYMAP.get(code);
    const ch = chars && this.chords.size === 0 ? chars[this.shifts.size > 0 ? 1 : 0] : undefined;
    out.push({ byte: ch === undefined ? UNTYPABLE_BYTE : ch.charCodeAt(0), timeMs: event.timeMs });
  }

  /** Forgets held modifiers (the device was lost or reopened). */
  reset(): void {
    this.shifts.clear();
    this.chords.clear();
  }

  private hold(set: Set<number>, code: number, value: number): void {
    if (value === KEY_UP) set.delete(code);
    else set.add(code);
  }
}
