import { beforeAll, describe, expect, test } from 'vitest';
import { buildTrustStore, type TrustStore } from '../../gateway/passes/trust-list.ts';
import { verifyPass } from '../../gateway/passes/verifier.ts';
import { dccOf, type Hc1Issuer, hc1Issuer } from './hc1-issuer.ts';
import { dccCaseContext } from './helpers.ts';

/**
 * Issue 18 items 5 and 6: what a DCC's content must be. `format` is an annotation (real PL and
 * SG certificates carry a date-time in dt, fr, df, du); coded fields must be in the published
 * value sets; a DCC is one statement (one of v, t, r, one entry), else invalid for that reason.
 */

let issuer: Hc1Issuer;
let trust: TrustStore;

beforeAll(async () => {
  issuer = hc1Issuer('PL');
  trust = await buildTrustStore({ dsc: [issuer.dsc] });
});

const verify = (dcc: Record<string, unknown>) => verifyPass(issuer.issue(dcc), { at: Date.now(), trust });

describe('a DCC as the reference validators read it', () => {
  test('the issuer of these tests makes valid certificates of every type', async () => {
    for (const make of Object.values(dccOf)) {
      expect(await verify(make())).toMatchObject({ valid: true, reasons: [] });
    }
  });

  test.each([
    ['vaccination dt', dccOf.vaccination({ dt: '2021-05-18T00:00:00' })],
    ['vaccination dt with zone', dccOf.vaccination({ dt: '2021-05-18T10:11:12+02:00' })],
    [
      'recovery fr, df, du',
      dccOf.recovery({ fr: '2021-01-07T00:00:00', df: '2021-01-18T00:00:00Z', du: '2021-07-18T23:59:59' }),
    ],
  ])(
    'a date-time where the schema says format: date is accepted (%s): format is an annotation',
    async (_what, dcc) => {
      expect(await verify(dcc)).toMatchObject({ valid: true, reasons: [], steps: { schema: true } });
    },
  );

  test('a sample time that is no time leaves the test out of the facts (the schema does not assert formats)', async () => {
    const v = await verify(dccOf.test({ sc: 'yesterday' }));
    expect(v.facts.tests).toEqual([]);
    expect(v.facts.certificateType).toBe('test');
  });
});

describe('value sets', () => {
  test.each([
    ['test ma "9999" (PL 7)', dccOf.test({ ma: '9999' })],
    ['test co "XY"', dccOf.test({ co: 'XY' })],
    ['vaccination ma "ORG-99999999"', dccOf.vaccination({ ma: 'ORG-99999999' })],
    ['vaccination mp unknown', dccOf.vaccination({ mp: 'EU/9/99/9999' })],
    ['vaccination vp unknown', dccOf.vaccination({ vp: '123' })],
    ['recovery tg unknown', dccOf.recovery({ tg: '840539007' })],
    ['test tt unknown', dccOf.test({ tt: 'a test' })],
    ['test tr unknown', dccOf.test({ tr: '260415001' })],
    ['test co of another type', dccOf.test({ co: 42 })],
    ['1.0.0, whose schema annotates no country', { ...dccOf.recovery({ co: 'XY' }), ver: '1.0.0' }],
  ])('a code outside its value set is never valid: %s', async (_what, dcc) => {
    const v = await verify(dcc);
    expect(v.valid).toBe(false);
    expect(v.steps.schema).toBe(false);
    expect(v.reasons).toContain('value-set');
    expect(v.steps.signature).toBe(true);
  });

  test('known codes, inactive ones and an absent or empty RAT manufacturer of a NAAT test are accepted', async () => {
    for (const dcc of [
      dccOf.vaccination({ vp: 'J07BX03', co: 'AW' }), // J07BX03 is inactive since value sets 2.11.0
      dccOf.test({ ma: '1618' }), // a device of the 2021-07-15 list (LT/3 of the test data)
      dccOf.test({ tt: 'LP6464-4', ma: '' }), // CH/2 of the test data
      dccOf.test({ tt: 'LP6464-4', ma: undefined }),
    ]) {
      expect(await verify(JSON.parse(JSON.stringify(dcc)))).toMatchObject({ valid: true, reasons: [] });
    }
  });
});

describe('one statement per DCC', () => {
  test('two v entries, or v and t: invalid as not-one-entry, keyUsage not judged (the signer may sign every type)', async () => {
    const one = dccOf.vaccination();
    const twoV = { ...one, v: [...one.v, { ...one.v[0], dn: 1 }] };
    const vAndT = { ...one, t: dccOf.test().t };
    for (const dcc of [twoV, vAndT]) {
      const v = await verify(dcc);
      expect(v.valid).toBe(false);
      expect(v.reasons).toContain('not-one-entry');
      expect(v.reasons).not.toContain('key-usage');
      expect(v.steps.keyUsage).toBeUndefined();
      expect(v.steps.signature).toBe(true);
    }
  });

  test('a signer restricted to tests still fails key usage for a vaccination', async () => {
    const testsOnly = hc1Issuer('PL', ['1.3.6.1.4.1.1847.2021.1.1']);
    const restricted = await buildTrustStore({ dsc: [testsOnly.dsc] });
    const v = await verifyPass(testsOnly.issue(dccOf.vaccination()), { at: Date.now(), trust: restricted });
    expect(v).toMatchObject({ valid: false, reasons: ['key-usage'], steps: { keyUsage: false } });
    expect(
      (await verifyPass(testsOnly.issue(dccOf.test()), { at: Date.now(), trust: restricted })).valid,
    ).toBe(true);
  });
});

describe('what the verifier trims', () => {
  test('a valid code with a trailing CR LF (or a leading one, or a tab) is valid; inner characters are not trimmed', async () => {
    const { code, trust: caseTrust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    for (const scanned of [`${code}\r\n`, `${code}\n`, `\r\n${code}\t`]) {
      expect(await verifyPass(scanned, { at, trust: caseTrust })).toMatchObject({ valid: true, reasons: [] });
    }
    const inner = `${code.slice(0, 20)}\r\n${code.slice(20)}`;
    expect((await verifyPass(inner, { at, trust: caseTrust })).reasons).toEqual(['bad-base45']);
  });
});
