import { dccValueSetProblems } from './dcc-value-sets.ts';
import { type DccType, type Dsc, dscMaySign } from './dsc.ts';
import { checkCoseSignature } from './hc1-cose.ts';
import { type Cwt, decodeBase45, decodeCoseSign1, decodeCwt, inflate } from './hc1-decode.ts';
import { hc1Facts } from './hc1-facts.ts';
import { dccSchemaValid, dccType } from './hc1-schema.ts';
import { type ReasonCode, type Verdict, VerdictBuilder } from './verdict.ts';
import type { ResolvedVerifyContext } from './verify-context.ts';

export const HC1_PREFIX = 'HC1:';

/**
 * Verifies an EU Digital COVID Certificate (`HC1:` + base45(zlib(COSE_Sign1(CWT)))). The CWT's
 * iat/exp and the signer's validity are checked without clock skew, as the EU DCC reference
 * data expects (a certificate is valid at its exact expiry second).
 */
export function verifyHc1(code: string, ctx: ResolvedVerifyContext): Verdict {
  try {
    return runHc1(code, ctx);
  } catch {
    return new VerdictBuilder('HC1').reason('internal-error').finish();
  }
}

function runHc1(code: string, ctx: ResolvedVerifyContext): Verdict {
  const v = new VerdictBuilder('HC1');
  if (!v.check('unprefix', code.startsWith(HC1_PREFIX), 'bad-prefix')) return v.finish();
  if (code.length > ctx.maxCodeLength) return v.fail('base45', 'too-long').finish();

  const compressed = decodeBase45(code.slice(HC1_PREFIX.length));
  if (!compressed.ok) return v.fail('base45', compressed.reason).finish();
  v.pass('base45');

  const coseBytes = inflate(compressed.value, ctx.maxDecompressedBytes);
  if (!coseBytes.ok) return v.fail('decompress', coseBytes.reason).finish();
  v.pass('decompress');

  const cose = decodeCoseSign1(coseBytes.value);
  if (!cose.ok) return v.fail('decode', cose.reason).finish();
  const cwt = decodeCwt(cose.value.payload);
  if (!cwt.ok) return v.fail('decode', cwt.reason).finish();
  v.pass('decode');
  const type = dccType(cwt.value.dcc);
  v.facts = hc1Facts(cwt.value, type);

  const signature = checkCoseSignature(cose.value, ctx.trust);
  v.check('signature', signature.ok, signature.reason ?? 'bad-signature');

  const dsc = signature.dsc;
  const expiry = hc1ExpiryReasons(cwt.value, dsc, ctx.at);
  v.check('expiry', expiry.length === 0, ...expiry);

  const schemaReasons = hc1SchemaReasons(cwt.value.dcc, type);

  v.check('schema', schemaReasons.length === 0, ...schemaReasons);

  // Key usage is judged on the signer's certificate. When no trusted DSC has the pass's key id
  // (the signature has failed already), it is judged on the trusted signers of the issuing
  // country: may any of them sign this type? Not applicable when there are none, nor when the
  // DCC is not one statement of one type (not-one-entry says why it is invalid).
  const signers = dsc ? [dsc] : countrySigners(ctx.trust, cwt.value.issuer);
  if (signers.length > 0 && type !== undefined) {
    v.check(
      'keyUsage',
      signers.some((d) => dscMaySign(d, type)),
      'key-usage',
    );
  }
  return v.finish();
}

/**
 * Why the DCC fails the schema step: not valid against the official schema of its `ver`; not
 * exactly one of v, t, r with exactly one entry (its type is then undefined); a coded field
 * outside its published value set (never valid, though the schema alone allows any string).
 */
function hc1SchemaReasons(dcc: Record<string, unknown>, type: DccType | undefined): ReasonCode[] {
  const reasons: ReasonCode[] = [];
  if (!dccSchemaValid(dcc)) reasons.push('schema-invalid');
  if (type === undefined) reasons.push('not-one-entry');
  else if (dccValueSetProblems(dcc, type).length > 0) reasons.push('value-set');
  return reasons;
}

/**
 * Why the certificate is not valid at `at` (epoch ms): the CWT's exp and iat, and the signer's
 * validity period when its certificate is known. Empty when it is valid.
 */
export function hc1ExpiryReasons(
  cwt: Pick<Cwt, 'issuedAt' | 'expiresAt'>,
  dsc: Dsc | undefined,
  at: number,
): ReasonCode[] {
  const reasons: ReasonCode[] = [];
  if (cwt.expiresAt === undefined) reasons.push('no-expiry');
  else if (at > cwt.expiresAt * 1000) reasons.push('expired');
  if (cwt.issuedAt !== undefined && at < cwt.issuedAt * 1000) reasons.push('not-yet-valid');
  if (dsc && at > dsc.notAfter) reasons.push('dsc-expired');
  if (dsc && at < dsc.notBefore) reasons.push('dsc-not-yet-valid');
  return reasons;
}

function countrySigners(trust: ResolvedVerifyContext['trust'], issuer: string | undefined): Dsc[] {
  if (!issuer) return [];
  const country = issuer.toUpperCase();
  return [...trust.dscByKid.values()].flat().filter((d) => d.country === country);
}
