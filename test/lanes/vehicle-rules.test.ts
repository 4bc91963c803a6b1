import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecisionInput, decide } from '../../gateway/lanes/decision-rules.ts';
import { DecisionRecordSchema, type PreRegisteredTruck } from '../../gateway/lanes/lane-records.ts';
import type { Verdict } from '../../gateway/passes/verdict.ts';
import { DecisionRulesSchema } from '../../site-config/schema.ts';

/** The rules of the vehicle: the plate camera's plate against the pass's, and a pre-registration. */
const rules = DecisionRulesSchema.parse({});
const NOW = Date.UTC(2026, 11, 6, 8, 0, 0);
const H = 3_600_000;

function pass(plate: string | undefined): Verdict {
  return {
    kind: 'GP1',
    valid: true,
    steps: { unprefix: true, decode: true, signature: true, expiry: true },
    reasons: [],
    facts: {
      ...(plate ? { plate } : {}),
      color: 'green',
      tests: [{ kind: 'antigen', result: 'negative', at: NOW - 2 * H }],
    },
  };
}

const announced: PreRegisteredTruck = {
  id: 'r-81',
  plate: '冀A12345',
  plateColour: 'yellow',
  crew: [{ role: 'driver', name: '张三' }, { role: 'co-driver' }],
  destination: '北京新发地',
  validFrom: NOW / 1000 - 3600,
  validUntil: NOW / 1000 + 86_400,
};

const run = (input: Omit<DecisionInput, 'now'>, r = rules) =>
  decide({ now: NOW, temperatureC: 36.5, ...input }, r);

describe('plate-mismatch: the pass names another plate than the camera read', () => {
  it('the same plate, as the camera and the pass spell it, fires nothing (PASS)', () => {
    const d = run({ verdict: pass('浙A 12345'), sightedPlate: '浙A12345' });
    expect(d.outcome).toBe('PASS');
    expect(d.reasons.map((r) => r.code)).toEqual(['recent-negative-test']);
  });

  it('another plate is REVIEW plate-mismatch, naming both', () => {
    const d = run({ verdict: pass('浙A12345'), sightedPlate: '浙A12346' });
    expect(d.outcome).toBe('REVIEW');
    expect(d.reasons[0]).toMatchObject({ code: 'plate-mismatch', outcome: 'REVIEW' });
    expect(d.reasons[0]?.detail).toContain('浙A12346');
    expect(d.reasons[0]?.detail).toContain('浙A12345');
  });

  it('no camera read, or a pass without a plate: no plate rule', () => {
    expect(run({ verdict: pass('浙A12345') }).outcome).toBe('PASS');
    expect(run({ verdict: pass(undefined), sightedPlate: '浙A12345' }).outcome).toBe('PASS');
  });

  it('full-width characters, case and spaces never make a mismatch; another character always does', () => {
    const plate = fc
      .tuple(fc.constantFrom('浙', '冀', '京'), fc.stringMatching(/^[A-Z][0-9A-Z]{5}$/))
      .map(([p, rest]) => `${p}${rest}`);
    fc.assert(
      fc.property(plate, plate, (a, b) => {
        const wide = [...a]
          .map((ch) => (/[A-Z0-9]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch))
          .join(' ')
          .toLowerCase();
        expect(run({ verdict: pass(wide), sightedPlate: a }).outcome).toBe('PASS');
        const codes = run({ verdict: pass(b), sightedPlate: a }).reasons.map((r) => r.code);
        expect(codes.includes('plate-mismatch')).toBe(a !== b);
      }),
    );
  });
});

describe('pre-registered: no pass, but the central office announced the truck', () => {
  it('without an announcement: REVIEW no-pass', () => {
    const d = run({});
    expect(d.reasons.map((r) => r.code)).toEqual(['no-pass']);
  });

  it('announced: REVIEW pre-registered (by default) with the announcement in its words', () => {
    const d = run({ preRegistration: announced });
    expect(d.outcome).toBe('REVIEW');
    expect(d.reasons.map((r) => r.code)).toEqual(['pre-registered']);
    const detail = d.reasons[0]?.detail ?? '';
    for (const part of ['r-81', '冀A12345', '北京新发地', 'driver 张三', 'co-driver', '2026-12-07 08:00'])
      expect(detail).toContain(part);
  });

  it('rules.preRegisteredWithoutPass: PASS lets it pass; a fever still isolates it', () => {
    const lenient = DecisionRulesSchema.parse({ preRegisteredWithoutPass: 'PASS' });
    expect(run({ preRegistration: announced }, lenient)).toMatchObject({
      outcome: 'PASS',
      reasons: [{ code: 'pre-registered', outcome: 'PASS' }],
    });
    const fever = decide(
      { now: NOW, temperatureC: 38.4, preRegistration: announced },
      DecisionRulesSchema.parse({ preRegisteredWithoutPass: 'PASS', feverConfirm: 'immediate' }),
    );
    expect(fever.outcome).toBe('ISOLATE');
  });

  it('a pass shown, or a registration by hand, is decided as before: the announcement does not count', () => {
    expect(run({ verdict: pass('冀A12345'), preRegistration: announced }).outcome).toBe('PASS');
    expect(run({ manual: true, preRegistration: announced }).reasons.map((r) => r.code)).toEqual([
      'manual-registration',
    ]);
  });

  it('an old config without the field loads with REVIEW; another value is refused', () => {
    expect(DecisionRulesSchema.parse({ feverC: 37.5 }).preRegisteredWithoutPass).toBe('REVIEW');
    expect(DecisionRulesSchema.safeParse({ preRegisteredWithoutPass: 'YARD' }).success).toBe(false);
  });

  it('the decision record carries the announcement and the sighting by its schema', () => {
    const ok = DecisionRecordSchema.safeParse({
      lane: 'east-1',
      transitId: '0b6c6b0e-3e57-4f0a-9a39-8c1d2f5a7b10',
      outcome: 'REVIEW',
      reasons: run({ preRegistration: announced }).reasons,
      by: 'rules',
      sighting: { camera: 'east-1-plate', plate: '冀A12345', colour: 'yellow', at: NOW },
      preRegistration: announced,
    });
    expect(ok.success).toBe(true);
  });
});
