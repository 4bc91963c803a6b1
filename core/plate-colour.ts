import { z } from 'zod';

/**
 * Plate colours as the national toll network codes them (车牌颜色代码 of the expressway
 * network's toll and ETC records): the one list of plate colours in the project, shared by the
 * cameras' drivers, the lanes' vehicles and the simulator. Names are ours; codes are the
 * network's and do not change.
 */
export const PLATE_COLOUR_CODES = {
  blue: 0, // 蓝色: small passenger cars and vans
  yellow: 1, // 黄色: large vehicles, trucks, coaches
  black: 2, // 黑色: foreign-owned and Hong Kong/Macao vehicles
  white: 3, // 白色: police, armed police, army
  'gradient-green': 4, // 渐变绿色: small new-energy vehicles
  'yellow-green': 5, // 黄绿双拼色: large new-energy vehicles
  'blue-white': 6, // 蓝白渐变色
  temporary: 7, // 临时牌照
  undetermined: 9, // 未确定: not read, or a colour the network has no code for
  green: 11, // 绿色: farm vehicles, civil aviation
  red: 12, // 红色
} as const;

export const PlateColourSchema = z
  .enum([
    'blue',
    'yellow',
    'black',
    'white',
    'gradient-green',
    'yellow-green',
    'blue-white',
    'temporary',
    'undetermined',
    'green',
    'red',
  ])
  .describe('Plate colour, by the national toll network colour codes (PLATE_COLOUR_CODES)');
export type PlateColour = z.infer<typeof PlateColourSchema>;

/** The toll network code of a colour (0 blue, 1 yellow, ... 9 undetermined, 11 green, 12 red). */
export const PlateColourCodeSchema = z
  .union(Object.values(PLATE_COLOUR_CODES).map((c) => z.literal(c)))
  .describe('National toll network plate colour code');
export type PlateColourCode = (typeof PLATE_COLOUR_CODES)[PlateColour];

export function plateColourCode(colour: PlateColour): PlateColourCode {
  return PLATE_COLOUR_CODES[colour];
}

const BY_CODE: ReadonlyMap<number, PlateColour> = new Map(
  Object.entries(PLATE_COLOUR_CODES).map(([name, code]) => [code, name as PlateColour]),
);

/** The colour of a toll network code, or `undefined` for a code the network does not define. */
export function plateColourOfCode(code: number): PlateColour | undefined {
  return BY_CODE.get(code);
}

/**
 * A camera's colour word (Hikvision ISAPI `plateColor`, a generic camera's name, a Chinese
 * colour prefix or name) mapped to a toll network colour; anything else is `undetermined`.
 */
const WORDS: ReadonlyMap<string, PlateColour> = new Map([
  ['blue', 'blue'],
  ['yellow', 'yellow'],
  ['black', 'black'],
  ['white', 'white'],
  ['green', 'green'],
  ['red', 'red'],
  ['newenergygreen', 'gradient-green'],
  ['gradientgreen', 'gradient-green'],
  ['newenergyyellowgreen', 'yellow-green'],
  ['yellowgreen', 'yellow-green'],
  ['bluewhite', 'blue-white'],
  ['temporary', 'temporary'],
  ['civilaviationblack', 'black'],
  ['civilaviationgreen', 'green'],
  ['蓝', 'blue'],
  ['蓝色', 'blue'],
  ['黄', 'yellow'],
  ['黄色', 'yellow'],
  ['黑', 'black'],
  ['黑色', 'black'],
  ['白', 'white'],
  ['白色', 'white'],
  ['绿', 'green'],
  ['绿色', 'green'],
  ['红', 'red'],
  ['红色', 'red'],
  ['渐变绿', 'gradient-green'],
  ['渐变绿色', 'gradient-green'],
  ['新能源绿', 'gradient-green'],
  ['黄绿', 'yellow-green'],
  ['黄绿色', 'yellow-green'],
  ['黄绿双拼色', 'yellow-green'],
  ['蓝白', 'blue-white'],
  ['蓝白渐变色', 'blue-white'],
  ['临时', 'temporary'],
]);

export function plateColourOfWord(word: string | undefined): PlateColour {
  if (word === undefined) return 'undetermined';
  const key = word
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
  if (/^\d{1,2}$/.test(key)) return plateColourOfCode(Number(key)) ?? 'undetermined';
  return WORDS.get(key) ?? 'undetermined';
}
