import base45 from 'base45';
import { Encoder, Tag } from 'cbor-x';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildTrustStore, type TrustStore } from '../../gateway/passes/trust-list.ts';
import { type Verdict, VerdictSchema } from '../../gateway/passes/verdict.ts';
import { trimScannedCode, verifyPass } from '../../gateway/passes/verifier.ts';
import { dccCaseContext, type Gp1Signer, gp1Claims, gp1Signer, hc1FromCose, openHc1 } from './helpers.ts';

/**
 * Random and mutated codes: the verifier never throws, never hangs (each run has a time limit),
 * always answers with a well-formed verdict, and never calls a mutated signature valid.
 */

const AT = Date.UTC(2026, 10, 22, 8, 0, 0);
const RUN_LIMIT_MS = 2000;
const BASE45_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'.split('');
const BASE64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split('');
const cbor = new Encoder({ useRecords: false, tagUint8Array: false });

let gp1: Gp1Signer;
let gp1Trust: TrustStore;

beforeAll(async () => {
  gp1 = await gp1Signer('fuzz-key');
  gp1Trust = await buildTrustStore({ keys: [gp1.publicJwk as never] });
});

/** Verifies and checks the verdict is well formed; the promise must settle (fast-check timeout). */
async function verifyChecked(code: string, trust: TrustStore, at = AT): Promise<Verdict> {
  const verdict = await verifyPass(code, { at, trust });
  VerdictSchema.parse(verdict);
  return verdict;
}

const options = (numRuns: number) => ({ numRuns, timeout: RUN_LIMIT_MS, markInterruptAsFailure: true });

/** Changes at least one byte of `bytes`, at the positions and with the XOR masks given. */
function mutate(bytes: Uint8Array, edits: Array<[number, number]>): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (const [pos, mask] of edits) {
    const i = pos % out.length;
    out[i] = (out[i] as number) ^ mask;
  }
  return out;
}

/** The decoded bytes of each JWS segment, in hex (a Buffer's own join() decodes UTF-8 and loses bytes). */
function jwsBytes(code: string): string {
  return code
    .slice(4)
    .split('.')
    .map((segment) => Buffer.from(segment, 'base64url').toString('hex'))
    .join('.');
}

const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 });

describe('verifier fuzzing', () => {
  test('random text never throws and is never valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 10_000 }),
          fc.string({ unit: fc.constantFrom(...BASE45_CHARS), maxLength: 3000 }).map((s) => `HC1:${s}`),
          fc.string({ unit: fc.constantFrom(...BASE64URL_CHARS), maxLength: 3000 }).map((s) => `GP1:${s}`),
        ),
        async (code) => {
          expect((await verifyChecked(code, gp1Trust)).valid).toBe(false);
        },
      ),
      options(1000),
    );
  });

  test('random zlib payloads and CBOR structures never throw and are never valid', async () => {
    const coseLike = fc
      .tuple(fc.anything(), fc.anything(), fc.anything(), fc.uint8Array({ maxLength: 300 }))
      .map(([a, b, c, sig]) => new Tag([cbor.encode(a), b, cbor.encode(c), sig], 18));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((b) => hc1FromCose(b)),
          fc.anything().map((v) => hc1FromCose(cbor.encode(v))),
          coseLike.map((v) => hc1FromCose(cbor.encode(v))),
        ),
        async (code) => {
          expect((await verifyChecked(code, gp1Trust)).valid).toBe(false);
        },
      ),
      options(600),
    );
  });

  test('a GP1 pass with mutated signature bytes is never valid', async () => {
    const good = await gp1.sign(gp1Claims(AT));
    expect((await verifyChecked(good, gp1Trust)).valid).toBe(true);
    const [head, payload, sig] = good.slice(4).split('.') as [string, string, string];
    const sigBytes = Buffer.from(sig, 'base64url');
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        const forged = `GP1:${head}.${payload}.${Buffer.from(mutate(sigBytes, e)).toString('base64url')}`;
        const v = await verifyChecked(forged, gp1Trust);
        expect(v.valid).toBe(false);
        expect(v.steps.signature).toBe(false);
      }),
      options(300),
    );
  });

  test('a GP1 pass mutated anywhere never throws', async () => {
    const good = await gp1.sign(gp1Claims(AT));
    const bytes = Buffer.from(good, 'latin1');
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        const mutated = Buffer.from(mutate(bytes, e)).toString('latin1');
        const v = await verifyChecked(mutated, gp1Trust);
        // Valid only if unchanged: another spelling of the same JWS (base64url's slack bits) is
        // refused as non-canonical, so one signed pass has one code.
        if (v.valid)
          expect(trimScannedCode(mutated)).toBe(good); // control characters at the ends are trimmed
        else if (mutated.startsWith('GP1:') && jwsBytes(mutated) === jwsBytes(good)) {
          expect(v.reasons).toEqual(['bad-jws']);
        }
      }),
      options(300),
    );
  });

  test.each([
    ['ES256', 'common/2DCode/raw/CO3.json'],
    ['PS256', 'common/2DCode/raw/CO1.json'],
  ])('an HC1 certificate (%s) with mutated signature bytes is never valid', async (_alg, file) => {
    const { code, trust, at } = await dccCaseContext(file);
    expect((await verifyChecked(code, trust, at)).valid).toBe(true);
    const { sign1, repack } = openHc1(code);
    const signature = sign1[3] as Uint8Array;
    // Repacking unchanged still verifies: the harness changes nothing but the signature.
    expect((await verifyChecked(repack(sign1), trust, at)).valid).toBe(true);
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        const forged = repack([sign1[0], sign1[1], sign1[2], mutate(signature, e)]);
        const v = await verifyChecked(forged, trust, at);
        expect(v.valid).toBe(false);
        expect(v.steps.signature).toBe(false);
      }),
      options(200),
    );
  });

  test('an HC1 certificate with mutated COSE bytes never throws, and is valid only with its signed parts intact', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const { sign1 } = openHc1(code);
    const cose = cbor.encode(new Tag(sign1, 18));
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        const mutated = hc1FromCose(mutate(cose, e));
        const v = await verifyChecked(mutated, trust, at);
        // Still valid only if what is signed and the signature are untouched.
        if (v.valid) {
          const changed = openHc1(mutated).sign1;
          expect([changed[0], changed[2], changed[3]]).toEqual([sign1[0], sign1[2], sign1[3]]);
        }
      }),
      options(300),
    );
  });

  test('an HC1 code mutated in its base45 text never throws', async () => {
    const { code, trust, at } = await dccCaseContext('common/2DCode/raw/CO3.json');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...BASE45_CHARS)), { minLength: 1, maxLength: 6 }),
        async (changes) => {
          const chars = code.split('');
          for (const [pos, ch] of changes) chars[4 + (pos % (chars.length - 4))] = ch;
          await verifyChecked(chars.join(''), trust, at);
        },
      ),
      options(300),
    );
  });

  test('base45 of arbitrary bytes passes the strict decoder and reaches decompression', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), async (bytes) => {
        const v = await verifyChecked(`HC1:${base45.encode(bytes)}`, gp1Trust);
        expect(v.steps.base45).toBe(true);
        expect(typeof v.steps.decompress).toBe('boolean');
      }),
      options(200),
    );
  });
});
