import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepth, jsonShape, parseBoundedJson } from '../../core/bounded-json.ts';

/** Nesting of arrays and objects, the way jsonDepth counts it (a scalar is depth 0). */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

/** Array elements and object members, at every level. */
function itemsOf(v: unknown): number {
  if (Array.isArray(v)) return v.length + v.reduce((n: number, x) => n + itemsOf(x), 0);
  if (v !== null && typeof v === 'object') {
    const members = Object.values(v);
    return members.length + members.reduce((n: number, x) => n + itemsOf(x), 0);
  }
  return 0;
}

const BUDGET = { maxBytes: 16 * 1024, maxDepth: 8, maxItems: 200 };

describe('parseBoundedJson', () => {
  it('any JSON value: parsed as JSON.parse would when within the budget, refused with the reason when not', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        const text = JSON.stringify(value);
        const bytes = Buffer.from(text, 'utf8');
        expect(jsonDepth(text)).toBe(depthOf(value));
        // Counted alike whether the text is compact or spaced out.
        expect(jsonShape(text, 100, 1e9).items).toBe(itemsOf(value));
        expect(jsonShape(JSON.stringify(value, null, 2), 100, 1e9).items).toBe(itemsOf(value));
        const r = parseBoundedJson(bytes, BUDGET);
        if (bytes.length > BUDGET.maxBytes) expect(r).toMatchObject({ ok: false, error: /too large/ });
        else if (depthOf(value) > BUDGET.maxDepth)
          expect(r).toMatchObject({ ok: false, error: /nested deeper/ });
        else if (itemsOf(value) > BUDGET.maxItems)
          expect(r).toMatchObject({ ok: false, error: /more than 200 items/ });
        else expect(r).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes up to the cap: an answer, never a throw, in at most 50 ms', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: BUDGET.maxBytes }),
          fc
            .array(fc.constantFrom('[', ']', '{', '}', '"', '\\', ':', ',', '1', ' ', '"a":'), {
              maxLength: 8000,
            })
            .map((parts) => Buffer.from(parts.join(''))),
        ),
        (bytes) => {
          const t0 = performance.now();
          const r = parseBoundedJson(bytes, BUDGET);
          expect(performance.now() - t0).toBeLessThan(50);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bytes that are not UTF-8 are refused, never replaced by U+FFFD', () => {
    expect(parseBoundedJson(Buffer.from([0x22, 0xc3, 0x28, 0x22]), BUDGET)).toEqual({
      ok: false,
      error: 'is not valid UTF-8 text',
    });
    // An escaped quote or bracket inside a string is not nesting.
    expect(jsonDepth('["\\"[[[", "]]]"]')).toBe(1);
  });

  it('items are counted before anything is parsed: 20,000 empty objects in 60 KB stop at the cap', () => {
    const text = `{"samples":[${Array(20_000).fill('{}').join(',')}]}`;
    expect(parseBoundedJson(Buffer.from(text), { maxBytes: 64 * 1024, maxDepth: 8, maxItems: 2000 })).toEqual(
      {
        ok: false,
        error: 'has more than 2000 items',
      },
    );
    // Without an item cap the same text parses: the cap is what refuses it.
    expect(parseBoundedJson(Buffer.from(text), { maxBytes: 64 * 1024, maxDepth: 8 }).ok).toBe(true);
  });
});
