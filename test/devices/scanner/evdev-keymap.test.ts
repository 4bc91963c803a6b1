import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EV_KEY,
  EV_MSC,
  EV_SYN,
  type InputEventSize,
  InputEventStream,
  SYN_DROPPED,
} from '../../../devices/scanner/input-event.ts';
import { KEY } from '../../../devices/scanner/key-codes.ts';
import {
  ENTER_BYTE,
  KeystrokeDecoder,
  type TypedByte,
  UNTYPABLE_BYTE,
} from '../../../devices/scanner/keystroke-decoder.ts';
import { US_KEYMAP } from '../../../devices/scanner/us-keymap.ts';
import { encodeInputEvents, keyEventsForByte } from '../../../sim/devices/scanner/input-event-encode.ts';
import { keystrokeFor, typableCharacters } from '../../../sim/devices/scanner/us-keystrokes.ts';
import { LINUX_INPUT_EVENT_CODES as LINUX } from '../fixtures/input-event-codes.ts';

/**
 * The US layout, written out key by key (as printed on the keycaps: unshifted, shifted), with
 * the keys named as in input-event-codes.h. With the fixture's numbers it is a third source,
 * independent of the driver's table and of the simulator's.
 */
const US_KEYCAPS: [string, string, string][] = [
  ['KEY_GRAVE', '`', '~'],
  ['KEY_1', '1', '!'],
  ['KEY_2', '2', '@'],
  ['KEY_3', '3', '#'],
  ['KEY_4', '4', '$'],
  ['KEY_5', '5', '%'],
  ['KEY_6', '6', '^'],
  ['KEY_7', '7', '&'],
  ['KEY_8', '8', '*'],
  ['KEY_9', '9', '('],
  ['KEY_0', '0', ')'],
  ['KEY_MINUS', '-', '_'],
  ['KEY_EQUAL', '=', '+'],
  ['KEY_Q', 'q', 'Q'],
  ['KEY_W', 'w', 'W'],
  ['KEY_E', 'e', 'E'],
  ['KEY_R', 'r', 'R'],
  ['KEY_T', 't', 'T'],
  ['KEY_Y', 'y', 'Y'],
  ['KEY_U', 'u', 'U'],
  ['KEY_I', 'i', 'I'],
  ['KEY_O', 'o', 'O'],
  ['KEY_P', 'p', 'P'],
  ['KEY_LEFTBRACE', '[', '{'],
  ['KEY_RIGHTBRACE', ']', '}'],
  ['KEY_BACKSLASH', '\\', '|'],
  ['KEY_A', 'a', 'A'],
  ['KEY_S', 's', 'S'],
  ['KEY_D', 'd', 'D'],
  ['KEY_F', 'f', 'F'],
  ['KEY_G', 'g', 'G'],
  ['KEY_H', 'h', 'H'],
  ['KEY_J', 'j', 'J'],
  ['KEY_K', 'k', 'K'],
  ['KEY_L', 'l', 'L'],
  ['KEY_SEMICOLON', ';', ':'],
  ['KEY_APOSTROPHE', "'", '"'],
  ['KEY_Z', 'z', 'Z'],
  ['KEY_X', 'x', 'X'],
  ['KEY_C', 'c', 'C'],
  ['KEY_V', 'v', 'V'],
  ['KEY_B', 'b', 'B'],
  ['KEY_N', 'n', 'N'],
  ['KEY_M', 'm', 'M'],
  ['KEY_COMMA', ',', '<'],
  ['KEY_DOT', '.', '>'],
  ['KEY_SLASH', '/', '?'],
];

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

/** Types `text` (then Enter) on the simulated scanner and decodes it with the driver's parts. */
function roundTrip(text: string, size: InputEventSize, cuts: number[] = []): string {
  const events = [...Buffer.from(text, 'latin1'), ENTER_BYTE].flatMap((b, i) =>
    keyEventsForByte(b, 1_000_000 + i),
  );
  const bytes = encodeInputEvents(events, size);
  const stream = new InputEventStream(size);
  const decoder = new KeystrokeDecoder();
  const typed: TypedByte[] = [];
  let from = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    for (const e of stream.push(bytes.subarray(from, Math.max(from, cut)))) decoder.decode(e, typed);
    from = Math.max(from, cut);
  }
  expect(stream.pending).toBe(0);
  return Buffer.from(typed.map((t) => t.byte)).toString('latin1');
}

describe('key codes against input-event-codes.h', () => {
  it('every key the driver names has the number the Linux header gives it', () => {
    for (const [name, code] of Object.entries(KEY))
      expect([name, code]).toEqual([name, LINUX[`KEY_${name}`]]);
    expect([EV_SYN, EV_KEY, EV_MSC]).toEqual([LINUX.EV_SYN, LINUX.EV_KEY, LINUX.EV_MSC]);
    expect(SYN_DROPPED).toBe(LINUX.SYN_DROPPED);
  });

  it('the driver decodes each US keycap, with and without Shift, to the character printed on it', () => {
    expect(US_KEYCAPS).toHaveLength(47); // the 47 character keys of a US ANSI keyboard
    for (const [name, plain, shifted] of US_KEYCAPS) {
      const code = LINUX[name] as number;
      expect([name, US_KEYMAP.get(code)]).toEqual([name, [plain, shifted]]);
    }
    expect(US_KEYMAP.get(LINUX.KEY_SPACE as number)).toEqual([' ', ' ']);
    expect(US_KEYMAP.get(LINUX.KEY_KPASTERISK as number)?.[0]).toBe('*');
    expect(US_KEYMAP.get(LINUX.KEY_KPPLUS as number)?.[0]).toBe('+');
  });

  it('the simulator presses the key the keycap table gives for each character', () => {
    for (const [name, plain, shifted] of US_KEYCAPS) {
      expect(keystrokeFor(plain)).toEqual({ code: LINUX[name], shift: false });
      expect(keystrokeFor(shifted)).toEqual({ code: LINUX[name], shift: true });
    }
    expect(keystrokeFor(' ')).toEqual({ code: LINUX.KEY_SPACE, shift: false });
    expect(typableCharacters().sort()).toEqual([...PRINTABLE].sort());
  });
});

describe('simulated wedge scanner -> driver decoding', () => {
  it('every printable ASCII character round-trips, both record sizes', () => {
    for (const size of [16, 24] as const)
      for (const ch of PRINTABLE) expect(roundTrip(ch, size)).toBe(`${ch}\r`);
  });

  it('pass codes (base45 and base64url alphabets) round-trip whatever the read boundaries', () => {
    const hc1 = fc.string({ unit: fc.constantFrom(...BASE45), maxLength: 200 }).map((s) => `HC1:${s}`);
    const gp1 = fc
      .array(fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 1, maxLength: 60 }), {
        minLength: 1,
        maxLength: 3,
      })
      .map((parts) => `GP1:${parts.join('.')}`);
    fc.assert(
      fc.property(
        fc.oneof(hc1, gp1),
        fc.constantFrom(16 as const, 24 as const),
        fc.array(fc.nat(), { maxLength: 6 }),
        (code, size, cuts) => roundTrip(code, size, cuts) === `${code}\r`,
      ),
      { numRuns: 300 },
    );
  });

  it('keypad Enter ends a code like Enter; Ctrl, Tab and held keys type a control byte; Caps Lock nothing', () => {
    const d = new KeystrokeDecoder();
    const out: TypedByte[] = [];
    const key = (code: number, value: number) => d.decode({ timeMs: 0, type: EV_KEY, code, value }, out);
    key(KEY.A, 1);
    key(KEY.A, 0);
    key(KEY.KPENTER, 1);
    key(KEY.CAPSLOCK, 1);
    key(KEY.B, 1);
    key(KEY.LEFTCTRL, 1);
    key(KEY.C, 1);
    key(KEY.LEFTCTRL, 0);
    key(KEY.TAB, 1);
    key(KEY.D, 2); // autorepeat
    key(KEY.RIGHTSHIFT, 1);
    key(KEY.KP4, 1);
    key(KEY.SEMICOLON, 1);
    d.decode({ timeMs: 0, type: EV_MSC, code: 4, value: 0x70004 }, out);
    d.decode({ timeMs: 0, type: EV_SYN, code: 0, value: 0 }, out); // SYN_REPORT: nothing
    d.decode({ timeMs: 0, type: EV_SYN, code: SYN_DROPPED, value: 0 }, out); // keys lost
    expect(out.map((t) => t.byte)).toEqual([
      0x61,
      ENTER_BYTE,
      0x62,
      UNTYPABLE_BYTE,
      UNTYPABLE_BYTE,
      UNTYPABLE_BYTE,
      0x34,
      0x3a,
      UNTYPABLE_BYTE,
    ]);
  });
});
