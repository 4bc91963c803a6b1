/**
 * What a keyboard-wedge scanner set to the US layout presses for each ASCII character: the key
 * code (Linux input-event-codes.h numbering) and whether Shift is held. Built from the rows of
 * the US keyboard itself (the keys of a row have consecutive codes), independently of the
 * gateway's decoding table, so that a test of the two against each other means something.
 */
export interface Keystroke {
  code: number;
  shift: boolean;
}

export const KEY_ENTER = 28;
export const KEY_LEFTSHIFT = 42;
/** F1: a key that types no character (for bytes a US keyboard cannot type). */
export const KEY_F1 = 59;

/** [first key code of the row, characters, the same keys with Shift]. */
const ROWS: [number, string, string][] = [
  [2, '1234567890-=', '!@#$%^&*()_+'],
  [16, 'qwertyuiop[]', 'QWERTYUIOP{}'],
  [30, "asdfghjkl;'`", 'ASDFGHJKL:"~'],
  [43, '\\zxcvbnm,./', '|ZXCVBNM<>?'],
];

function build(): Map<string, Keystroke> {
  const map = new Map<string, Keystroke>();
  for (const [first, plain, shifted] of ROWS) {
    for (let i = 0; i < plain.length; i++) {
      map.set(plain[i] as string, { code: first + i, shift: false });
      map.set(shifted[i] as string, { code: first + i, shift: true });
    }
  }
  map.set(' ', { code: 57, shift: false });
  return map;
}

const KEYSTROKES = build();

/** The keystroke for one character, or undefined when the US layout has no key for it. */
export function keystrokeFor(ch: string): Keystroke | undefined {
  return KEYSTROKES.get(ch);
}

/** Every character the layout can type (printable ASCII, 0x20-0x7e). */
export function typableCharacters(): string[] {
  return [...KEYSTROKES.keys()];
}
