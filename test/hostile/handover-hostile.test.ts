import { describe, expect, it } from 'vitest';
import { HANDOVER_REQUEST_DATA, MAX_SEALS } from '../../gateway/yard/handover/handover-payloads.ts';

/**
 * Hostile hand-over requests, at the schema that gates every yard `handover-*` request before
 * any work (gateway/yard/handover/handover-payloads.ts). Seal numbers, names, cargo and reasons
 * are typed by a person and shown on the bay panel: a bidi override or an invisible character
 * would make a recorded seal read as another on screen (or hide why two seals do not match),
 * so such text is refused with the reason.
 */
const open = HANDOVER_REQUEST_DATA['handover-open'];
const transferred = HANDOVER_REQUEST_DATA['handover-transferred'];
const abort = HANDOVER_REQUEST_DATA['handover-abort'];

const good = {
  bay: 'H-0001',
  receivingPlate: '苏E12345',
  escort: { id: 'E042', name: '王五', phone: '+86 138-0000-0000' },
  sealsBefore: ['SL-0001', 'SL-0002'],
  cargo: 'frozen fish, 20 pallets',
};

function refusal(result: { success: boolean; error?: { issues: { message: string }[] } }): string {
  expect(result.success).toBe(false);
  return result.error?.issues.map((i) => i.message).join('; ') ?? '';
}

describe('hand-over requests with hostile text', () => {
  it('accepts an ordinary hand-over (Chinese names included)', () => {
    expect(open.safeParse(good).success).toBe(true);
  });

  it.each([
    ['a right-to-left override', '\u202E1000-LS'],
    ['a zero-width space', 'SL-0001\u200B'],
    ['an escape sequence', 'SL\u001b[2J01'],
    ['a NUL', 'SL\u00000001'],
    ['a line separator', 'SL\u20280001'],
  ])('refuses a seal number with %s, with the reason', (_what, seal) => {
    const why = refusal(open.safeParse({ ...good, sealsBefore: ['SL-0002', seal] }));
    expect(why).toMatch(/control or invisible/);
    expect(refusal(transferred.safeParse({ bay: 'H-0001', sealsBroken: [seal], sealsAfter: [] }))).toMatch(
      /control or invisible/,
    );
  });

  it('refuses control and bidi characters in the escort, the cargo, the plate and an abort reason', () => {
    const rlo = '\u202E';
    expect(refusal(open.safeParse({ ...good, escort: { ...good.escort, name: `王${rlo}五` } }))).toMatch(
      /invisible/,
    );
    expect(refusal(open.safeParse({ ...good, escort: { ...good.escort, id: 'E\u0007042' } }))).toMatch(
      /invisible/,
    );
    expect(refusal(open.safeParse({ ...good, cargo: `fish${rlo}hsif` }))).toMatch(/invisible/);
    expect(refusal(open.safeParse({ ...good, receivingPlate: `苏E1${rlo}2345` }))).toMatch(/invisible/);
    expect(refusal(abort.safeParse({ bay: 'H-0001', reason: `driver left\u0000` }))).toMatch(/invisible/);
  });

  it('keeps its size limits: seals at and over the limit, 10 KB strings, 100 KB cargo, letters in a phone', () => {
    const seals = Array.from({ length: MAX_SEALS }, (_, i) => `SL-${i}`);
    expect(open.safeParse({ ...good, sealsBefore: seals }).success).toBe(true);
    expect(open.safeParse({ ...good, sealsBefore: [...seals, 'SL-X'] }).success).toBe(false);
    expect(open.safeParse({ ...good, sealsBefore: ['S'.repeat(10_240)] }).success).toBe(false);
    expect(open.safeParse({ ...good, cargo: 'c'.repeat(100 * 1024) }).success).toBe(false);
    expect(open.safeParse({ ...good, escort: { ...good.escort, phone: '138-CALL-ME' } }).success).toBe(false);
    expect(abort.safeParse({ bay: 'H-0001', reason: '   ' }).success).toBe(false);
  });
});
