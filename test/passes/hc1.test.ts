import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decoder, Encoder, Tag } from 'cbor-x';
import { describe, expect, test } from 'vitest';
import type { Dsc } from '../../gateway/passes/dsc.ts';
import { hc1ExpiryReasons, verifyHc1 } from '../../gateway/passes/hc1.ts';
import { DCC_SCHEMA_VERSIONS, schemaVersionFor } from '../../gateway/passes/hc1-schema.ts';
import { emptyTrustStore } from '../../gateway/passes/trust-list.ts';
import { STEP_NAMES, VerdictSchema } from '../../gateway/passes/verdict.ts';
import { context, DCC_SCHEMA_DIR, dccCaseContext, hc1FromCose, loadDccCase, openHc1 } from './helpers.ts';

const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: false });
const cborIn = new Decoder({ useRecords: false, mapsAsObjects: false });

function protectedHeader(sign1: unknown[]): Map<number, unknown> {
  return cborIn.decode(sign1[0] as Uint8Array) as Map<number, unknown>;
}

describe('HC1 pass (EU DCC)', () => {
  test('a valid certificate: all steps, and the facts the decision rules need', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const v = verifyHc1(code, context(trust, at));
    expect(v).toMatchObject({ kind: 'HC1', valid: true, reasons: [] });
    // Every step, in order.
    expect(Object.keys(v.steps)).toEqual([...STEP_NAMES]);
    const json = loadDccCase('common/2DCode/raw/CO3.json').JSON as { nam: { gn: string; fn: string } };
    const type = ({ v: 'vaccination', t: 'test', r: 'recovery' } as const)[
      (['v', 't', 'r'] as const).find((k) => k in json) ?? 'v'
    ];
    expect(v.facts).toMatchObject({ certificateType: type, name: `${json.nam.gn} ${json.nam.fn}` });
    expect(v.facts.issuer).toMatch(/^[A-Z]{2}$/);
    expect(v.facts.issuedAt).toBeLessThanOrEqual(at);
    expect(v.facts.expiresAt).toBeGreaterThanOrEqual(at);
  });

  test.each([
    ['FR/2DCode/raw/DCC_Test_0001.json', 'antigen', 'negative'],
    ['FR/2DCode/raw/DCC_Test_0003.json', 'antigen', 'positive'],
    ['FR/2DCode/raw/DCC_Test_0005.json', 'pcr', 'negative'],
    ['FR/2DCode/raw/DCC_Test_0007.json', 'pcr', 'positive'],
  ])('test certificate %s maps to %s %s with its sample time', async (file, kind, result) => {
    const { code, trust, at } = await dccCaseContext(file);
    const v = verifyHc1(code, context(trust, at));
    expect(v.valid).toBe(true);
    expect(v.facts.certificateType).toBe('test');
    expect(v.facts.tests).toHaveLength(1);
    expect(v.facts.tests[0]).toMatchObject({ kind, result });
    // The sample was taken before the certificate was issued.
    expect(v.facts.tests[0]?.at).toBeLessThanOrEqual(v.facts.issuedAt ?? 0);
  });

  test('a tagged (CBOR tag 0) sample time still maps', async () => {
    const { code, trust, at } = await dccCaseContext('SE/2DCode/raw/2.json');
    const v = verifyHc1(code, context(trust, at));
    expect(v.valid).toBe(true);
    expect(v.facts.tests).toEqual([
      { kind: 'pcr', result: 'negative', at: Date.parse('2021-06-15T09:24:02Z') },
    ]);
  });

  test('vaccination and recovery certificates carry no tests', async () => {
    for (const [file, type] of [
      ['DE/2DCode/raw/1.json', 'vaccination'],
      ['DE/2DCode/raw/3.json', 'recovery'],
    ] as const) {
      const { code, trust, at } = await dccCaseContext(file);
      const v = verifyHc1(code, context(trust, at));
      expect(v.valid, file).toBe(true);
      expect(v.facts).toMatchObject({ certificateType: type, tests: [] });
    }
  });

  test('with no trust list every certificate is untrusted; the rest is still checked', async () => {
    const { code, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const v = verifyHc1(code, context(emptyTrustStore(), at));
    expect(v).toMatchObject({
      valid: false,
      reasons: ['untrusted'],
      steps: { signature: false, expiry: true },
    });
    expect(v.steps).not.toHaveProperty('keyUsage');
  });

  test('RSA-PSS (PS256) signers verify', async () => {
    for (const file of ['common/2DCode/raw/CO1.json', 'common/2DCode/raw/CO2.json']) {
      const { code, trust, at } = await dccCaseContext(file);
      expect(verifyHc1(code, context(trust, at)).steps.signature, file).toBe(true);
    }
  });

  test('a signature with the wrong algorithm id fails, never throws', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const { sign1, repack } = openHc1(code);
    // Claim PS256 in a copy of the protected header: the signer's EC key cannot do it.
    const header = new Map([
      [1, -37],
      [4, protectedHeader(sign1).get(4)],
    ]);
    const v = verifyHc1(repack([cbor.encode(header), sign1[1], sign1[2], sign1[3]]), context(trust, at));
    expect(v.valid).toBe(false);
    expect(v.steps.signature).toBe(false);
  });

  test('an unsupported algorithm is named', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const { sign1, repack } = openHc1(code);
    const header = new Map<number, unknown>([
      [1, -8],
      [4, protectedHeader(sign1).get(4)],
    ]);
    const v = verifyHc1(repack([cbor.encode(header), sign1[1], sign1[2], sign1[3]]), context(trust, at));
    expect(v.reasons).toContain('unsupported-alg');
  });

  test('a decompression bomb stops at the cap', async () => {
    const { trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const v = verifyHc1(hc1FromCose(Buffer.alloc(2 * 1024 * 1024)), context(trust, at));
    expect(v).toMatchObject({ valid: false, steps: { decompress: false }, reasons: ['too-large'] });
  });

  test('a code over the length cap is refused before decoding', () => {
    const v = verifyHc1(`HC1:${'0'.repeat(9000)}`, context(emptyTrustStore(), 0));
    expect(v).toMatchObject({
      valid: false,
      steps: { unprefix: true, base45: false },
      reasons: ['too-long'],
    });
  });

  test('COSE and CWT structure errors are decode failures', async () => {
    const { trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const cases: Array<[unknown, string]> = [
      [new Tag([1, 2, 3], 18), 'bad-cose'],
      [new Tag([new Uint8Array(0), new Map(), 'payload', new Uint8Array(64)], 18), 'bad-cose'],
      [new Tag([cbor.encode([1]), new Map(), new Uint8Array(0), new Uint8Array(64)], 18), 'bad-cose'],
      [
        new Tag([new Uint8Array(0), new Map(), cbor.encode(new Map([[1, 'AT']])), new Uint8Array(64)], 18),
        'bad-cwt',
      ],
      [new Tag([new Uint8Array(0), new Map(), cbor.encode('not a map'), new Uint8Array(64)], 18), 'bad-cwt'],
      [
        new Tag(
          [
            new Uint8Array(0),
            new Map(),
            cbor.encode(
              new Map<number, unknown>([
                [4, 'soon'],
                [-260, new Map([[1, new Map([['ver', '1.3.0']])]])],
              ]),
            ),
            new Uint8Array(64),
          ],
          18,
        ),
        'bad-cwt',
      ],
    ];
    for (const [value, reason] of cases) {
      const v = verifyHc1(hc1FromCose(cbor.encode(value)), context(trust, at));
      expect(VerdictSchema.parse(v)).toEqual(v);
      expect(v, reason).toMatchObject({ valid: false, steps: { decode: false }, reasons: [reason] });
    }
  });

  test('a DCC built with a CBOR shared-reference cycle is refused at decoding (cbor-budget), with no internal error', () => {
    // CWT {-260: {1: {"v": 28([29(0)])}}}: "v" is an array that contains itself.
    const payload = Buffer.from('a1390103a101a16176d81c81d81d00', 'hex');
    const cose = cbor.encode(new Tag([new Uint8Array(0), new Map(), payload, new Uint8Array(64)], 18));
    const v = verifyHc1(hc1FromCose(cose), context(emptyTrustStore(), 0));
    expect(v.steps).toMatchObject({ decode: false });
    expect(v.reasons).toEqual(['cbor-budget']);
  });

  test('random bytes are not base45, and base45 out of range is refused', () => {
    const ctx = context(emptyTrustStore(), 0);
    expect(verifyHc1(`HC1:${randomBytes(30).toString('hex').toLowerCase()}`, ctx).reasons).toEqual([
      'bad-base45',
    ]);
    // ":::" is 44 + 44*45 + 44*2025 = 91124 > 65535; a single dangling character is no group.
    expect(verifyHc1('HC1::::', ctx).reasons).toEqual(['bad-base45']);
    expect(verifyHc1('HC1:00', ctx).steps.base45).toBe(true);
    expect(verifyHc1('HC1:AB', ctx).reasons).toEqual(['bad-base45']);
    expect(verifyHc1('HC1:ABCD', ctx).reasons).toEqual(['bad-base45']);
  });
});

describe('HC1 expiry', () => {
  const dsc = (notBefore: number, notAfter: number) => ({ notBefore, notAfter }) as Dsc;
  const day = 86_400_000;
  const cwt = { issuedAt: 10 * 86_400, expiresAt: 20 * 86_400 };

  test('covers the CWT iat and exp, both ends inclusive', () => {
    expect(hc1ExpiryReasons(cwt, undefined, 10 * day)).toEqual([]);
    expect(hc1ExpiryReasons(cwt, undefined, 20 * day)).toEqual([]);
    expect(hc1ExpiryReasons(cwt, undefined, 20 * day + 1000)).toEqual(['expired']);
    expect(hc1ExpiryReasons(cwt, undefined, 10 * day - 1000)).toEqual(['not-yet-valid']);
    expect(hc1ExpiryReasons({ issuedAt: 0 }, undefined, day)).toEqual(['no-expiry']);
  });

  test("covers the signer's validity at the verification time", () => {
    expect(hc1ExpiryReasons(cwt, dsc(0, 30 * day), 15 * day)).toEqual([]);
    expect(hc1ExpiryReasons(cwt, dsc(0, 12 * day), 15 * day)).toEqual(['dsc-expired']);
    expect(hc1ExpiryReasons(cwt, dsc(16 * day, 30 * day), 15 * day)).toEqual(['dsc-not-yet-valid']);
  });
});

describe('DCC schema versions', () => {
  test('a payload is checked against the schema of its ver, else the next compatible one', () => {
    expect(schemaVersionFor('1.0.0')).toBe('1.0.0');
    expect(schemaVersionFor('1.2.1')).toBe('1.2.1');
    expect(schemaVersionFor('1.3.0')).toBe('1.3.0');
    expect(schemaVersionFor('1.0.1')).toBe('1.2.1');
    expect(schemaVersionFor('1.3.2')).toBe('1.3.3');
    expect(schemaVersionFor('1.4.0')).toBe('1.3.3');
    expect(schemaVersionFor('2.0.0')).toBeUndefined();
    expect(schemaVersionFor('1.3')).toBeUndefined();
  });

  test('the bundled schemas are the official ones', () => {
    const official: Record<string, string> = {
      '1.0.0': 'versions/1.0.0/DGC.combined-schema.json',
      '1.2.1': 'versions/1.2.1/DCC.combined-schema.json',
      '1.3.0': 'versions/1.3.0/DCC.combined-schema.json',
      '1.3.3': 'DCC.combined-schema.json',
    };
    expect(Object.keys(official)).toEqual([...DCC_SCHEMA_VERSIONS]);
    for (const [version, file] of Object.entries(official)) {
      const bundled = readFileSync(
        path.resolve(import.meta.dirname, `../../gateway/passes/dcc-schemas/${version}.json`),
        'utf8',
      );
      const upstream = readFileSync(path.join(DCC_SCHEMA_DIR, file), 'utf8');
      expect(JSON.parse(bundled), version).toEqual(JSON.parse(upstream));
      expect((JSON.parse(bundled) as { $comment: string }).$comment).toContain(version);
    }
  });
});
