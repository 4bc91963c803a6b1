import { type PlateColour, plateColourOfWord } from '../../core/plate-colour.ts';

/** Longest raw plate text a camera may send (Hikvision documents 1-32 characters). */
export const RAW_PLATE_MAX = 64;
/** Longest normalised plate kept (Chinese plates have 7 or 8; room for odd formats). */
export const PLATE_MAX = 16;

/** What cameras send when they saw a vehicle but no readable plate: a read of nothing. */
const NO_PLATE_WORDS = new Set(['NOPLATE', 'UNKNOWN', '无车牌', '车牌', '未识别', '无牌']);

/**
 * Colour words a camera may put before the province character (Hikvision's Chinese firmware
 * sends `蓝浙AX2P12`), longest first so that 黄绿 is not taken for 黄.
 */
const COLOUR_PREFIXES = [
  '黄绿双拼色',
  '渐变绿色',
  '蓝白渐变色',
  '新能源绿',
  '渐变绿',
  '黄绿',
  '蓝白',
  '蓝',
  '黄',
  '黑',
  '白',
  '绿',
  '红',
];

const HAN = /\p{Script=Han}/u;

export interface NormalisedPlate {
  /** Upper-case ASCII letters and digits with the Chinese characters kept (province, 学/警/挂/港/澳...). */
  plate: string;
  /** The colour the camera wrote before the province character, if it did. */
  colourPrefix?: PlateColour;
}

/**
 * A camera's plate text as the lanes compare it: full-width characters made half-width (NFKC),
 * spaces, dots and dashes dropped, Latin letters upper-case, the province character kept. A
 * colour word before the province character is taken off and returned beside it (only when a
 * Chinese character follows it: `黑A12345` is a Heilongjiang plate, `黑黑A12345` a black one).
 * `undefined` when nothing is left or the camera says it read no plate (`noPlate`, `unknown`).
 */
export function normalisePlate(raw: string): NormalisedPlate | undefined {
  if (raw.length > RAW_PLATE_MAX) return undefined;
  const text = raw.normalize('NFKC').toUpperCase();
  let kept = '';
  for (const ch of text) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || HAN.test(ch)) kept += ch;
  }
  if (kept === '' || NO_PLATE_WORDS.has(kept)) return undefined;
  let colourPrefix: PlateColour | undefined;
  for (const word of COLOUR_PREFIXES) {
    const rest = kept.slice(word.length);
    if (kept.startsWith(word) && rest.length > 0 && HAN.test(rest.slice(0, 1))) {
      colourPrefix = plateColourOfWord(word);
      kept = rest;
      break;
    }
  }
  // Every plate has letters or digits after its characters: a colour or a province alone is no read.
  if (kept.length > PLATE_MAX || NO_PLATE_WORDS.has(kept) || !/[A-Z0-9]/.test(kept)) return undefined;
  return colourPrefix ? { plate: kept, colourPrefix } : { plate: kept };
}
