import { KEY, type KeyName } from './key-codes.ts';

/**
 * The US keyboard layout as a wedge scanner types it: key code -> [character, character with
 * Shift]. A scanner set to "US keyboard" (the factory default of Honeywell, Zebra, Newland and
 * Hikvision models) types every printable ASCII character with these keys, Shift held for the
 * upper row. Keypad keys type their own character with or without Shift (the scanner's
 * "keypad emulation" assumes Num Lock on). Enter and keypad Enter end a code (`ENTER_KEYS`).
 */
const ROWS: [KeyName, string, string][] = [
  ['1', '1', '!'],
  ['2', '2', '@'],
  ['3', '3', '#'],
  ['4', '4', '$'],
  ['5', '5', '%'],
  ['6', '6', '^'],
  ['7', '7', '&'],
  ['8', '8', '*'],
  ['9', '9', '('],
  ['0', '0', ')'],
  ['MINUS', '-', '_'],
  ['EQUAL', '=', '+'],
  ['LEFTBRACE', '[', '{'],
  ['RIGHTBRACE', ']', '}'],
  ['SEMICOLON', ';', ':'],
  ['APOSTROPHE', "'", '"'],
  ['GRAVE', '`', '~'],
  ['BACKSLASH', '\\', '|'],
  ['COMMA', ',', '<'],
  ['DOT', '.', '>'],
  ['SLASH', '/', '?'],
  ['SPACE', ' ', ' '],
  ['KPASTERISK', '*', '*'],
  ['KPMINUS', '-', '-'],
  ['KPPLUS', '+', '+'],
  ['KPDOT', '.', '.'],
  ['KPSLASH', '/', '/'],
  ['KPEQUAL', '=', '='],
  ['KP0', '0', '0'],
  ['KP1', '1', '1'],
  ['KP2', '2', '2'],
  ['KP3', '3', '3'],
  ['KP4', '4', '4'],
  ['KP5', '5', '5'],
  ['KP6', '6', '6'],
  ['KP7', '7', '7'],
  ['KP8', '8', '8'],
  ['KP9', '9', '9'],
];

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('') as KeyName[];

function build(): Map<number, readonly [string, string]> {
  const map = new Map<number, readonly [string, string]>();
  for (const [name, plain, shifted] of ROWS) map.set(KEY[name], [plain, shifted]);
  for (const letter of LETTERS) map.set(KEY[letter], [letter.toLowerCase(), letter]);
  return map;
}

/** Key code -> [plain, shifted]. */
export const US_KEYMAP: ReadonlyMap<number, readonly [string, string]> = build();

/** The keys that end a code. */
export const ENTER_KEYS: ReadonlySet<number> = new Set([KEY.ENTER, KEY.KPENTER]);

/** Shift keys (held: the shifted character); Ctrl, Alt and Meta (held: no character at all). */
export const SHIFT_KEYS: ReadonlySet<number> = new Set([KEY.LEFTSHIFT, KEY.RIGHTSHIFT]);
export const CHORD_KEYS: ReadonlySet<number> = new Set([
  KEY.LEFTCTRL,
  KEY.RIGHTCTRL,
  KEY.LEFTALT,
  KEY.RIGHTALT,
  KEY.LEFTMETA,
  KEY.RIGHTMETA,
]);

/** Lock keys a scanner may send (Caps Lock emulation): ignored, letter case comes from Shift only. */
export const LOCK_KEYS: ReadonlySet<number> = new Set([KEY.CAPSLOCK, KEY.NUMLOCK]);
