/**
 * A 5×7 dot font for printable ASCII (0x20-0x7E), drawn for the simulated printer. Each glyph is
 * 7 rows, top first; each row is one base-32 digit whose 5 bits are the dots, leftmost = 16.
 * Characters outside ASCII (CJK and the rest) have no glyph: the renderer draws a placeholder box.
 */
const GLYPHS =
  '0000000 4444404 aaa0000 aavavaa 4fke5u4 op248j3 cik8lid c480000 2488842 8422248 04lel40 044v440 ' +
  '0000c48 000v000 00000cc 01248g0 ehjlphe 4c4444e eh1248v v2421he 26aiv22 vgu11he 68guhhe v124888 ' +
  'ehhehhe ehhf12c 0cc0cc0 0cc0c48 248g842 00v0v00 8421248 eh12404 eh1dlle ehhvhhh uhhuhhu ehggghe ' +
  'sihhhis vgguggv vgguggg ehgnhhf hhhvhhh e44444e 72222ic hikokih ggggggv hrllhhh hhpljhh ehhhhhe ' +
  'uhhuggg ehhhlid uhhukih fgge11u v444444 hhhhhhe hhhhha4 hhhllla hha4ahh hha4444 v1248gv e88888e ' +
  '0g84210 e22222e 4ah0000 000000v 8420000 00e1fhf ggmphhu 00egghe 11djhhf 00ehvge 698s888 0fhhf1e ' +
  'ggmphhh 40c444e 20622ic ggikoki c44444e 00qllhh 00mphhh 00ehhhe 00uhugg 00djf11 00mpggg 00ege1u ' +
  '88s8896 00hhhjd 00hhha4 00hhlla 00ha4ah 00hhf1e 00v248v 2448442 4444444 8442448 008l200';

export const FONT_WIDTH = 5;
export const FONT_HEIGHT = 7;

const TABLE: readonly (readonly number[])[] = GLYPHS.split(' ').map((g) =>
  [...g].map((d) => Number.parseInt(d, 32)),
);

/** The glyph rows of an ASCII character (0x20-0x7E), or undefined when the font has none. */
export function glyph(char: string): readonly number[] | undefined {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code > 0x7e) return undefined;
  return TABLE[code - 0x20];
}

/** True if dot `x` (0..4, left to right) of `row` is set. */
export function dotSet(row: number, x: number): boolean {
  return ((row >> (FONT_WIDTH - 1 - x)) & 1) === 1;
}

/** How many glyphs the table holds (95 for 0x20-0x7E). */
export const GLYPH_COUNT = TABLE.length;
