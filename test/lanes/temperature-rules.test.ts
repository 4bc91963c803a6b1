import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecisionInput, decide } from '../../gateway/lanes/decision-rules.ts';
import type { DecisionReasonCode } from '../../gateway/lanes/decision-schema.ts';
import {
  fahrenheitToCelsius,
  HandReadingSchema,
  READING_METHODS,
  type ReadingMethod,
  type TemperatureReading,
} from '../../gateway/lanes/temperature-reading.ts';
import type { Verdict } from '../../gateway/passes/verdict.ts';
import { DecisionRulesSchema } from '../../site-config/schema.ts';

/**
 * The temperature rules (feverConfirm, the recheck pause, the ambient range) and the route rule,
 * through `decide()`: each reason and outcome, and properties over random readings.
 */
const rules = DecisionRulesSchema.parse({});
const immediate = DecisionRulesSchema.parse({ feverConfirm: 'immediate' });
const NOW = Date.UTC(2026, 11, 6, 3, 0, 0);
const PAUSE = rules.recheckPauseMs;

const green: Verdict = {
  kind: 'GP1',
  valid: true,
  steps: { unprefix: true, decode: true, signature: true, expiry: true },
  reasons: [],
  facts: {
    plate: '晋D12345',
    color: 'green',
    tests: [{ kind: 'antigen', result: 'negative', at: NOW - 3_600_000 }],
  },
};
const r = (
  valueC: number,
  method: ReadingMethod = 'screening',
  at = NOW,
  ambientC?: number,
): TemperatureReading => ({
  valueC,
  method,
  at,
  ...(ambientC === undefined ? {} : { ambientC }),
});
const run = (readings: TemperatureReading[], extra: Omit<DecisionInput, 'now'> = {}, rr = rules) =>
  decide({ now: NOW + 10 * PAUSE, verdict: green, readings, ...extra }, rr);
const temperatureCodes: ReadonlySet<DecisionReasonCode> = new Set([
  'fever',
  'no-temperature',
  'recheck-required',
  'ambient-out-of-range',
  'fever-not-confirmed',
]);
const tempReasons = (readings: TemperatureReading[], rr = rules) =>
  run(readings, {}, rr).reasons.filter((x) => temperatureCodes.has(x.code));

describe('fever confirmed before isolation (feverConfirm: recheck, the default)', () => {
  it('defaults: recheck, a 2 min pause, 16-32 °C ambient', () => {
    expect(rules).toMatchObject({
      feverConfirm: 'recheck',
      recheckPauseMs: 120_000,
      ambientMinC: 16,
      ambientMaxC: 32,
    });
  });

  it('one screening fever is REVIEW recheck-required, and says how to confirm it', () => {
    const d = run([r(38.4, 'screening', NOW, 22)]);
    expect(d.outcome).toBe('REVIEW');
    expect(d.reasons[0]).toMatchObject({ code: 'recheck-required', outcome: 'REVIEW' });
    expect(d.reasons[0]?.detail).toContain('38.4 °C');
    expect(d.reasons[0]?.detail).toContain('120 s');
  });

  it('a second screening fever after the pause confirms it: ISOLATE fever', () => {
    const d = run([r(38.4, 'screening', NOW, 22), r(38.1, 'screening', NOW + PAUSE, 22)]);
    expect(d.outcome).toBe('ISOLATE');
    expect(d.reasons[0]).toMatchObject({ code: 'fever', outcome: 'ISOLATE' });
    expect(d.reasons[0]?.detail).toContain('second screening 120 s later');
  });

  it('a second screening before the pause is over confirms nothing', () => {
    const d = run([r(38.4, 'screening', NOW, 22), r(38.6, 'screening', NOW + PAUSE - 1, 22)]);
    expect(d.reasons.map((x) => x.code)).toContain('recheck-required');
    expect(d.outcome).toBe('REVIEW');
  });

  it('a normal second screening after the pause passes on: PASS fever-not-confirmed', () => {
    const d = run([r(37.6, 'screening', NOW, 22), r(36.7, 'screening', NOW + PAUSE + 5_000, 22)]);
    expect(d.outcome).toBe('PASS');
    expect(d.reasons.map((x) => x.code)).toEqual(['fever-not-confirmed', 'recent-negative-test']);
  });

  it.each(['handheld-ir', 'contact'] as const)('a %s reading confirms at once, or clears', (method) => {
    const hot = run([r(38.4, 'screening', NOW, 22), r(38.0, method, NOW + 1_000)]);
    expect(hot.outcome).toBe('ISOLATE');
    expect(hot.reasons[0]?.detail).toContain(`${method} reading 38.0 °C confirms`);
    const normal = run([r(38.4, 'screening', NOW, 22), r(36.6, method, NOW + 1_000)]);
    expect(normal.outcome).toBe('PASS');
    expect(normal.reasons.find((x) => x.code === 'fever-not-confirmed')?.detail).toContain('36.6 °C');
  });

  it('the latest handheld or contact reading decides', () => {
    expect(run([r(38.4), r(38.2, 'contact', NOW + 1), r(36.9, 'handheld-ir', NOW + 2)]).outcome).toBe('PASS');
    expect(run([r(38.4), r(36.9, 'handheld-ir', NOW + 1), r(38.2, 'contact', NOW + 2)]).outcome).toBe(
      'ISOLATE',
    );
  });

  it('a hand reading alone (no screening) decides too', () => {
    expect(run([r(38.0, 'contact')]).outcome).toBe('ISOLATE');
    expect(run([r(36.5, 'contact')]).outcome).toBe('PASS');
  });

  it('a camera reading is a screening: it needs confirming, and confirms only after the pause', () => {
    expect(run([r(38.0, 'camera')]).reasons[0]?.code).toBe('recheck-required');
    expect(run([r(38.0, 'screening'), r(38.2, 'camera', NOW + PAUSE)]).outcome).toBe('ISOLATE');
  });

  it('a normal screening gives no temperature reason', () => {
    expect(tempReasons([r(36.5, 'screening', NOW, 22)])).toEqual([]);
    expect(run([r(36.5, 'screening', NOW, 22)]).outcome).toBe('PASS');
  });

  it('follows a configured pause', () => {
    const quick = DecisionRulesSchema.parse({ recheckPauseMs: 10_000 });
    expect(run([r(38), r(38, 'screening', NOW + 10_000)], {}, quick).outcome).toBe('ISOLATE');
    expect(run([r(38), r(38, 'screening', NOW + 9_999)], {}, quick).outcome).toBe('REVIEW');
  });
});

describe('ambient temperature out of range', () => {
  it.each([
    [15.9, 'ambient-out-of-range'],
    [32.1, 'ambient-out-of-range'],
    [16, undefined],
    [32, undefined],
  ] as const)('a normal screening at ambient %s °C: %s', (ambientC, code) => {
    const d = run([r(36.5, 'screening', NOW, ambientC)]);
    expect(d.reasons.find((x) => temperatureCodes.has(x.code))?.code).toBe(code);
    expect(d.outcome).toBe(code ? 'REVIEW' : 'PASS');
  });

  it('a fever screened out of range is not trusted: REVIEW ambient-out-of-range, never ISOLATE, in either mode', () => {
    for (const rr of [rules, immediate]) {
      const d = run([r(39.0, 'screening', NOW, 5)], {}, rr);
      expect(d.outcome).toBe('REVIEW');
      expect(d.reasons[0]).toMatchObject({ code: 'ambient-out-of-range' });
      expect(d.reasons[0]?.detail).toContain('5.0 °C, outside 16-32 °C');
    }
  });

  it('a hand reading (ambient unknown) settles it', () => {
    expect(run([r(39.0, 'screening', NOW, 5), r(36.4, 'contact', NOW + 1)]).outcome).toBe('PASS');
    expect(run([r(39.0, 'screening', NOW, 5), r(38.4, 'contact', NOW + 1)]).outcome).toBe('ISOLATE');
  });

  it('follows the configured range; the range must be a range', () => {
    const cold = DecisionRulesSchema.parse({ ambientMinC: 0, ambientMaxC: 40 });
    expect(run([r(36.5, 'screening', NOW, 5)], {}, cold).outcome).toBe('PASS');
    expect(DecisionRulesSchema.safeParse({ ambientMinC: 20, ambientMaxC: 20 }).success).toBe(false);
  });
});

describe('feverConfirm: immediate', () => {
  it('one screening fever isolates; the highest trusted reading is named', () => {
    const d = run([r(37.5, 'screening', NOW, 22), r(38.1, 'screening', NOW + 1, 22)], {}, immediate);
    expect(d.outcome).toBe('ISOLATE');
    expect(d.reasons[0]?.detail).toContain('38.1 °C (screening)');
  });

  it('a later normal hand reading does not clear it (only staff do)', () => {
    expect(run([r(38.1), r(36.5, 'contact', NOW + 1)], {}, immediate).outcome).toBe('ISOLATE');
  });
});

describe('no reading', () => {
  it('is REVIEW no-temperature on a lane with a thermometer, nothing without one', () => {
    expect(run([]).reasons.map((x) => x.code)).toContain('no-temperature');
    expect(run([], { noThermometer: true }).outcome).toBe('PASS');
  });
});

describe('temperature properties', () => {
  const method = fc.constantFrom(...READING_METHODS);
  const reading = fc.record({
    valueC: fc.double({ min: 34, max: 42, noNaN: true }),
    method,
    at: fc.integer({ min: NOW, max: NOW + 10 * PAUSE }),
    ambientC: fc.option(fc.double({ min: 0, max: 45, noNaN: true }), { nil: undefined }),
  });
  const readings = fc.array(reading, { maxLength: 6 }).map((rs): TemperatureReading[] =>
    rs.map((x) => {
      const { ambientC, ...rest } = x;
      return ambientC === undefined ? rest : { ...rest, ambientC };
    }),
  );

  it('with recheck, one reading of a screening method never isolates', () => {
    fc.assert(
      fc.property(reading, (x) => {
        if (x.method === 'handheld-ir' || x.method === 'contact') return;
        const { ambientC, ...rest } = x;
        const one = ambientC === undefined ? rest : { ...rest, ambientC };
        expect(run([one]).outcome).not.toBe('ISOLATE');
      }),
    );
  });

  it('with recheck, a final hand reading decides: at or above the threshold ISOLATE, below no REVIEW from temperature', () => {
    fc.assert(
      fc.property(
        readings,
        fc.double({ min: 34, max: 42, noNaN: true }),
        fc.constantFrom('handheld-ir', 'contact'),
        (rs, v, m) => {
          const last = r(v, m, NOW + 11 * PAUSE);
          const reasons = tempReasons([...rs, last]);
          if (v >= rules.feverC) expect(reasons.map((x) => x.code)).toEqual(['fever']);
          else expect(reasons.every((x) => x.outcome === 'PASS')).toBe(true);
        },
      ),
    );
  });

  it('in either mode, readings all taken out of the ambient range give REVIEW ambient-out-of-range and never a fever', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ valueC: fc.double({ min: 34, max: 42, noNaN: true }), cold: fc.boolean() }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom(rules, immediate),
        (xs, rr) => {
          const rs = xs.map((x, i) => r(x.valueC, 'screening', NOW + i * PAUSE, x.cold ? 10 : 35));
          expect(tempReasons(rs, rr).map((x) => x.code)).toEqual(['ambient-out-of-range']);
        },
      ),
    );
  });

  it('immediate isolates exactly when a trusted reading is at or above the threshold; recheck never isolates more often', () => {
    fc.assert(
      fc.property(readings, (rs) => {
        const trusted = rs.filter((x) => x.ambientC === undefined || (x.ambientC >= 16 && x.ambientC <= 32));
        const hot = trusted.some((x) => x.valueC >= rules.feverC);
        const imm = tempReasons(rs, immediate).some((x) => x.code === 'fever');
        expect(imm).toBe(hot);
        const rec = tempReasons(rs).some((x) => x.code === 'fever');
        if (rec) expect(hot).toBe(true);
        // Every judgement gives at most one temperature reason.
        expect(tempReasons(rs).length).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('hand-entered readings', () => {
  it('take °C, or °F converted, and refuse what is no body temperature', () => {
    expect(HandReadingSchema.parse({ value: 36.8, method: 'contact' })).toEqual({
      value: 36.8,
      unit: 'C',
      method: 'contact',
    });
    expect(fahrenheitToCelsius(100.4)).toBe(38);
    expect(fahrenheitToCelsius(98.6)).toBe(37);
    expect(HandReadingSchema.safeParse({ value: 100.4, unit: 'F', method: 'handheld-ir' }).success).toBe(
      true,
    );
    expect(HandReadingSchema.safeParse({ value: 100.4, unit: 'C', method: 'handheld-ir' }).success).toBe(
      false,
    );
    expect(HandReadingSchema.safeParse({ value: 36.8, unit: 'F', method: 'contact' }).success).toBe(false);
    expect(HandReadingSchema.safeParse({ value: 36.8, method: 'screening' }).success).toBe(false);
  });
});

describe('routes', () => {
  const routed = (dest?: string, origin?: string): Verdict => ({
    ...green,
    facts: { ...green.facts, ...(dest ? { destination: dest } : {}), ...(origin ? { origin } : {}) },
  });
  const route = (v: Verdict, destinations?: string[]) =>
    decide({ now: NOW, verdict: v, readings: [r(36.5)], ...(destinations ? { destinations } : {}) }, rules);

  it('a pass to a destination the lane does not serve is REVIEW route-mismatch, and says both', () => {
    const d = route(routed('130100', '140100'), ['140400', '140100']);
    expect(d.outcome).toBe('REVIEW');
    expect(d.reasons[0]).toMatchObject({ code: 'route-mismatch', outcome: 'REVIEW' });
    expect(d.reasons[0]?.detail).toBe('the pass is from 140100 to 130100; this lane serves 140400, 140100');
  });

  it('a served destination, a lane serving every destination, and an old pass without one fire nothing', () => {
    expect(route(routed('140400'), ['140400']).outcome).toBe('PASS');
    expect(route(routed(' Taiyuan '), ['taiyuan']).outcome).toBe('PASS');
    expect(route(routed('130100'), []).outcome).toBe('PASS');
    expect(route(routed('130100')).outcome).toBe('PASS');
    expect(route(routed(), ['140400']).outcome).toBe('PASS');
  });

  it('fires exactly when the destination is not among those served (property)', () => {
    const code = fc.stringMatching(/^[0-9]{6}$/);
    fc.assert(
      fc.property(fc.option(code, { nil: undefined }), fc.array(code, { maxLength: 4 }), (dest, served) => {
        const fired = route(routed(dest), served).reasons.some((x) => x.code === 'route-mismatch');
        expect(fired).toBe(dest !== undefined && served.length > 0 && !served.includes(dest));
      }),
    );
  });
});
