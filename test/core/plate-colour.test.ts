import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PLATE_COLOUR_CODES,
  PlateColourSchema,
  plateColourCode,
  plateColourOfCode,
  plateColourOfWord,
} from '../../core/plate-colour.ts';

describe('plate colours and the national toll codes', () => {
  it('codes each colour as the toll network does', () => {
    expect(PLATE_COLOUR_CODES).toEqual({
      blue: 0,
      yellow: 1,
      black: 2,
      white: 3,
      'gradient-green': 4,
      'yellow-green': 5,
      'blue-white': 6,
      temporary: 7,
      undetermined: 9,
      green: 11,
      red: 12,
    });
    expect(Object.keys(PLATE_COLOUR_CODES).sort()).toEqual([...PlateColourSchema.options].sort());
  });

  it('a colour and its code map one to one', () => {
    for (const c of PlateColourSchema.options) expect(plateColourOfCode(plateColourCode(c))).toBe(c);
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 40 }), (code) => {
        const c = plateColourOfCode(code);
        if (c === undefined) expect(Object.values(PLATE_COLOUR_CODES)).not.toContain(code);
        else expect(plateColourCode(c)).toBe(code);
      }),
    );
  });

  it('maps every Hikvision ISAPI plateColor value', () => {
    const hikvision: Record<string, string> = {
      black: 'black',
      blue: 'blue',
      yellow: 'yellow',
      white: 'white',
      green: 'green',
      red: 'red',
      newEnergyGreen: 'gradient-green',
      newEnergyYellowGreen: 'yellow-green',
      civilAviationBlack: 'black',
      civilAviationGreen: 'green',
      golden: 'undetermined',
      orange: 'undetermined',
      brown: 'undetermined',
      mixedColor: 'undetermined',
      other: 'undetermined',
      unknown: 'undetermined',
    };
    for (const [word, colour] of Object.entries(hikvision))
      expect(plateColourOfWord(word), word).toBe(colour);
  });

  it('maps Chinese colour names, codes written as text, and anything else to a colour of the list', () => {
    expect(plateColourOfWord('黄绿双拼色')).toBe('yellow-green');
    expect(plateColourOfWord('渐变绿色')).toBe('gradient-green');
    expect(plateColourOfWord('蓝色')).toBe('blue');
    expect(plateColourOfWord('５')).toBe('yellow-green');
    expect(plateColourOfWord('11')).toBe('green');
    expect(plateColourOfWord(undefined)).toBe('undetermined');
    fc.assert(
      fc.property(fc.string(), (w) => {
        expect(PlateColourSchema.options).toContain(plateColourOfWord(w));
      }),
    );
  });
});
