import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalisePlate, PLATE_MAX } from '../../../devices/camera/plate-text.ts';

const PROVINCES = [...'京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼'];
const ALNUM = [...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'];

/** A Chinese plate: province, letter, 5 or 6 letters and digits. */
const plateArb = fc
  .tuple(
    fc.constantFrom(...PROVINCES),
    fc.constantFrom(...ALNUM.slice(0, 24)),
    fc.array(fc.constantFrom(...ALNUM), { minLength: 5, maxLength: 6 }),
  )
  .map(([p, l, rest]) => `${p}${l}${rest.join('')}`);

/** ASCII letters and digits written full-width (U+FF01..), as some firmware sends them. */
const fullWidth = (s: string) =>
  [...s].map((c) => (/[A-Z0-9]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

describe('plate normalisation', () => {
  it('reads the forms cameras send', () => {
    expect(normalisePlate('浙A12345')).toEqual({ plate: '浙A12345' });
    expect(normalisePlate('蓝浙AX2P12')).toEqual({ plate: '浙AX2P12', colourPrefix: 'blue' });
    expect(normalisePlate('黄绿粤B12345D')).toEqual({ plate: '粤B12345D', colourPrefix: 'yellow-green' });
    expect(normalisePlate('粤Ｂ·１２３４５')).toEqual({ plate: '粤B12345' });
    expect(normalisePlate(' 京 a 123 45 ')).toEqual({ plate: '京A12345' });
    // 黑 is Heilongjiang's character as well as a colour: only a colour when a province follows.
    expect(normalisePlate('黑A12345')).toEqual({ plate: '黑A12345' });
    expect(normalisePlate('黑黑A12345')).toEqual({ plate: '黑A12345', colourPrefix: 'black' });
    expect(normalisePlate('粤Z1234港')).toEqual({ plate: '粤Z1234港' });
  });

  it('reads "no plate" and nothing as nothing', () => {
    for (const raw of ['', '   ', 'noPlate', 'unknown', '无车牌', '·-·', '蓝', 'x'.repeat(65)])
      expect(normalisePlate(raw), raw).toBeUndefined();
  });

  it('full-width, spaced, lower-case and dotted forms of a plate normalise to the plate', () => {
    fc.assert(
      fc.property(plateArb, fc.array(fc.nat(8), { maxLength: 3 }), (plate, gaps) => {
        let spaced = plate;
        for (const g of gaps) spaced = `${spaced.slice(0, g)} ${spaced.slice(g)}`;
        for (const form of [
          fullWidth(plate),
          spaced,
          plate.toLowerCase(),
          `${plate.slice(0, 2)}·${plate.slice(2)}`,
        ])
          expect(normalisePlate(form)?.plate).toBe(plate);
      }),
    );
  });

  it('keeps the province character and a colour word before it', () => {
    fc.assert(
      fc.property(plateArb, fc.constantFrom('蓝', '黄', '白', '绿', '黄绿', '渐变绿'), (plate, colour) => {
        const n = normalisePlate(`${colour}${plate}`);
        expect(n?.plate).toBe(plate);
        expect(n?.colourPrefix).toBeDefined();
      }),
    );
  });

  it('is idempotent and yields only upper-case letters, digits and Chinese characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: 'grapheme' }), (raw) => {
        const n = normalisePlate(raw);
        if (!n) return;
        expect(n.plate).toMatch(/^[A-Z0-9\p{Script=Han}]+$/u);
        expect(n.plate.length).toBeLessThanOrEqual(PLATE_MAX);
        // Normalising again changes nothing (unless a second colour word was stacked before the province).
        const again = normalisePlate(n.plate);
        if (again?.colourPrefix === undefined) expect(again?.plate).toBe(n.plate);
      }),
    );
  });
});
