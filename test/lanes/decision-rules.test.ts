import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecisionInput, decide } from '../../gateway/lanes/decision-rules.ts';
import { OUTCOMES, type Outcome } from '../../gateway/lanes/decision-schema.ts';
import type { PassTest, Verdict } from '../../gateway/passes/verdict.ts';
import { DecisionRulesSchema } from '../../site-config/schema.ts';

const rules = DecisionRulesSchema.parse({});
/** The product brief's first rules: one screening reading at or above the threshold isolates. */
const immediate = DecisionRulesSchema.parse({ feverConfirm: 'immediate' });
const NOW = Date.UTC(2026, 10, 22, 3, 0, 0);
const H = 3_600_000;

function pass(
  color: 'green' | 'yellow' | 'red' | undefined,
  tests: PassTest[] = [],
  kind: Verdict['kind'] = 'GP1',
): Verdict {
  return {
    kind,
    valid: true,
    steps: { unprefix: true, decode: true, signature: true, expiry: true },
    reasons: [],
    facts: { plate: '晋D12345', tests, ...(color ? { color } : {}) },
  };
}
const antigen = (hoursAgo: number, result: 'negative' | 'positive' = 'negative'): PassTest => ({
  kind: 'antigen',
  result,
  at: NOW - hoursAgo * H,
});
const pcr = (hoursAgo: number): PassTest => ({ kind: 'pcr', result: 'negative', at: NOW - hoursAgo * H });

const run = (input: Omit<DecisionInput, 'now'>, r = rules) => decide({ now: NOW, ...input }, r);
const codes = (input: Omit<DecisionInput, 'now'>, r = rules) => run(input, r).reasons.map((x) => x.code);

describe('default decision rules (product brief)', () => {
  it.each([
    [
      'green + negative antigen 23 h old, 36.5 °C',
      { verdict: pass('green', [antigen(23)]), temperatureC: 36.5 },
      'PASS',
    ],
    ['green + negative PCR 47 h old', { verdict: pass('green', [pcr(47)]), temperatureC: 36.5 }, 'PASS'],
    ['green + antigen 25 h old', { verdict: pass('green', [antigen(25)]), temperatureC: 36.5 }, 'YARD'],
    ['green + PCR 49 h old', { verdict: pass('green', [pcr(49)]), temperatureC: 36.5 }, 'YARD'],
    ['green without a test', { verdict: pass('green'), temperatureC: 36.5 }, 'YARD'],
    [
      'EU DCC vaccination (no colour, no test)',
      { verdict: pass(undefined, [], 'HC1'), temperatureC: 36.5 },
      'YARD',
    ],
    [
      'EU DCC negative test 3 h old',
      { verdict: pass(undefined, [antigen(3)], 'HC1'), temperatureC: 36.5 },
      'PASS',
    ],
    ['yellow', { verdict: pass('yellow', [antigen(1)]), temperatureC: 36.5 }, 'YARD'],
    ['red', { verdict: pass('red'), temperatureC: 36.5 }, 'ISOLATE'],
    [
      'positive test on a green pass',
      { verdict: pass('green', [antigen(2, 'positive')]), temperatureC: 36.5 },
      'ISOLATE',
    ],
    [
      'exactly 37.3 °C, not yet confirmed',
      { verdict: pass('green', [antigen(1)]), temperatureC: 37.3 },
      'REVIEW',
    ],
    ['37.2 °C', { verdict: pass('green', [antigen(1)]), temperatureC: 37.2 }, 'PASS'],
    ['no temperature in time', { verdict: pass('green', [antigen(1)]) }, 'REVIEW'],
    ['no thermometer on the lane', { verdict: pass('green', [antigen(1)]), noThermometer: true }, 'PASS'],
    ['no pass in time', { temperatureC: 36.5 }, 'REVIEW'],
    ['unverified code', { verdict: pass(undefined, [], 'unverified'), temperatureC: 36.5 }, 'REVIEW'],
    ['manual registration', { manual: true, temperatureC: 36.5 }, 'REVIEW'],
    ['fever to confirm, registered by hand', { manual: true, temperatureC: 38.4 }, 'REVIEW'],
    ['review beats yard', { verdict: pass('yellow'), noThermometer: false }, 'REVIEW'],
    [
      'a test dated in the future does not count',
      { verdict: pass('green', [antigen(-2)]), temperatureC: 36 },
      'YARD',
    ],
  ] as [string, Omit<DecisionInput, 'now'>, Outcome][])('%s → %s', (_name, input, outcome) => {
    expect(run(input).outcome).toBe(outcome);
  });

  it.each([
    ['exactly 37.3 °C', { verdict: pass('green', [antigen(1)]), temperatureC: 37.3 }, 'ISOLATE'],
    ['37.2 °C', { verdict: pass('green', [antigen(1)]), temperatureC: 37.2 }, 'PASS'],
    ['fever beats review', { manual: true, temperatureC: 38.4 }, 'ISOLATE'],
  ] as [string, Omit<DecisionInput, 'now'>, Outcome][])(
    'feverConfirm immediate: %s → %s',
    (_n, input, outcome) => {
      expect(run(input, immediate).outcome).toBe(outcome);
    },
  );

  it('an invalid pass is REVIEW, and says why', () => {
    const forged: Verdict = { ...pass('green', [antigen(1)]), valid: false, reasons: ['bad-signature'] };
    const d = run({ verdict: forged, temperatureC: 36.5 });
    expect(d.outcome).toBe('REVIEW');
    expect(d.reasons[0]).toMatchObject({
      code: 'pass-invalid',
      detail: expect.stringContaining('bad-signature'),
    });
  });

  it('keeps every reason, the deciding ones first', () => {
    expect(codes({ verdict: pass('red', [antigen(1, 'positive')]), temperatureC: 39 }, immediate)).toEqual([
      'fever',
      'positive-test',
      'pass-red',
    ]);
    expect(codes({ manual: true })).toEqual(['no-temperature', 'manual-registration']);
  });

  it('follows the configured thresholds', () => {
    const strict = DecisionRulesSchema.parse({
      feverC: 37.0,
      feverConfirm: 'immediate',
      antigenMaxAgeHours: 12,
      yellow: 'ISOLATE',
    });
    expect(
      decide({ now: NOW, verdict: pass('green', [antigen(1)]), temperatureC: 37.0 }, strict).outcome,
    ).toBe('ISOLATE');
    expect(
      decide({ now: NOW, verdict: pass('green', [antigen(13)]), temperatureC: 36 }, strict).outcome,
    ).toBe('YARD');
    expect(decide({ now: NOW, verdict: pass('yellow'), temperatureC: 36 }, strict).outcome).toBe('ISOLATE');
  });

  it('the outcome is always the worst of the reasons (property)', () => {
    const verdictArb = fc.record({
      color: fc.constantFrom('green', 'yellow', 'red', undefined),
      kind: fc.constantFrom('GP1', 'HC1', 'unverified'),
      valid: fc.boolean(),
      tests: fc.array(
        fc.record({
          kind: fc.constantFrom('antigen', 'pcr'),
          result: fc.constantFrom('negative', 'positive'),
          at: fc.integer({ min: NOW - 100 * H, max: NOW + H }),
        }),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(
        fc.option(verdictArb, { nil: undefined }),
        fc.option(fc.double({ min: 30, max: 45, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        (v, temperatureC, manual) => {
          const verdict: Verdict | undefined = v && {
            kind: v.kind as Verdict['kind'],
            valid: v.valid && v.kind !== 'unverified',
            steps: {},
            reasons: v.valid ? [] : ['bad-signature'],
            facts: { tests: v.tests as PassTest[], ...(v.color ? { color: v.color as 'green' } : {}) },
          };
          const d = decide(
            {
              now: NOW,
              manual,
              ...(verdict ? { verdict } : {}),
              ...(temperatureC === undefined ? {} : { temperatureC }),
            },
            rules,
          );
          const worst = d.reasons.map((r) => OUTCOMES.indexOf(r.outcome)).reduce((a, b) => Math.max(a, b), 0);
          expect(d.outcome).toBe(OUTCOMES[worst]);
          expect(d.reasons.length).toBeGreaterThan(0);
          // One screening fever is never decided alone: REVIEW at least, ISOLATE on other grounds.
          if (temperatureC !== undefined && temperatureC >= rules.feverC) {
            expect(['REVIEW', 'ISOLATE']).toContain(d.outcome);
            expect(d.reasons.map((r) => r.code)).toContain('recheck-required');
          }
        },
      ),
    );
  });
});
