import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { CONFIG_YAML_BUDGET, parseBoundedYaml } from '../../site-config/bounded-yaml.ts';

describe('parseBoundedYaml', () => {
  it('any JSON value within the nesting budget reads back as itself', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        // -0 has no YAML form of its own.
        const plain = JSON.parse(JSON.stringify(value)) as unknown;
        expect(parseBoundedYaml(stringify(plain))).toEqual(plain);
      }),
      { numRuns: 200 },
    );
  });

  it('any text of YAML punctuation up to 8 KiB: a value or a ConfigUnreadable error, never a stack overflow, in at most 1 s', () => {
    const piece = fc.constantFrom(
      '[',
      ']',
      '{',
      '}',
      '- ',
      '? ',
      ': ',
      '\n',
      '  ',
      'a',
      ',',
      '&a ',
      '*a ',
      '"',
      "'",
      '|\n',
      '#',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(piece, { maxLength: 4000 }),
          // Deep on purpose: flow, block and mixed nesting far beyond the budget.
          fc
            .tuple(fc.constantFrom('[', '{a: ', '- ', 'a:\n '), fc.integer({ min: 1, max: 4000 }))
            .map(([p, n]) =>
              Array.from({ length: n }, (_, i) => (p === 'a:\n ' ? `${' '.repeat(i % 200)}a:\n` : p)),
            ),
        ),
        (parts) => {
          const text = parts.join('').slice(0, 8192);
          const t0 = performance.now();
          try {
            parseBoundedYaml(text);
          } catch (e) {
            // Not a RangeError (stack overflow) or any other error of the parser's own.
            expect(isGatepostError(e, ErrorCode.ConfigUnreadable)).toBe(true);
          }
          expect(performance.now() - t0).toBeLessThan(1000);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names the line and column of what it refuses', () => {
    expect(() => parseBoundedYaml('a:\n  b: 1\n  b: 2\n')).toThrow('duplicate key "b" at line 3, column 3');
    expect(() => parseBoundedYaml(`x: ${'['.repeat(CONFIG_YAML_BUDGET.maxDepth + 5)}`)).toThrow(
      /nested deeper than 32 levels at line 1, column \d+/,
    );
    expect(() => parseBoundedYaml('{a: 1}: x\n')).toThrow(/map key must be plain text at line 1, column 1/);
    expect(() => parseBoundedYaml('a: 1\n---\nb: 2\n')).toThrow('holds 2 YAML documents, not one');
  });
});
