import { constants, verify } from 'node:crypto';
import { Encoder } from 'cbor-x';
import { type CoseAlg, type Dsc, MAX_DSC_PER_KID } from './dsc.ts';
import type { CoseSign1 } from './hc1-decode.ts';
import type { TrustStore } from './trust-list.ts';
import type { ReasonCode } from './verdict.ts';

/** COSE_Sign1 signature checking against the document signers of the trust list. */

const HEADER_ALG = 1;
const HEADER_KID = 4;
const COSE_ALGS: ReadonlyMap<unknown, CoseAlg> = new Map([
  [-7, 'ES256'],
  [-37, 'PS256'],
]);

const cborOut = new Encoder({ useRecords: false, tagUint8Array: false });

/**
 * The key id: from the protected header when it has one (even a wrong one), else from the
 * unprotected header. A kid in the unprotected header cannot override a protected one.
 */
function coseKid(cose: CoseSign1): string | undefined {
  const kid = headerValue(cose, HEADER_KID);
  return kid instanceof Uint8Array ? Buffer.from(kid).toString('hex') : undefined;
}

/** The algorithm, protected header first; undefined when missing or not ES256/PS256. */
function coseAlg(cose: CoseSign1): CoseAlg | undefined {
  return COSE_ALGS.get(headerValue(cose, HEADER_ALG));
}

function headerValue(cose: CoseSign1, label: number): unknown {
  return cose.protectedHeader.has(label)
    ? cose.protectedHeader.get(label)
    : cose.unprotectedHeader.get(label);
}

export interface SignatureCheck {
  readonly ok: boolean;
  readonly reason?: ReasonCode;
  /**
   * The DSC whose validity and key usage apply: the one that verified, else the first with the
   * pass's key id (so a forged pass still shows what its claimed signer may do).
   */
  readonly dsc?: Dsc;
}

/**
 * Looks the signer up by key id and verifies the COSE_Sign1 signature with it. At most
 * MAX_DSC_PER_KID candidates are tried (the store keeps no more, but one may be made by hand), so
 * a forged pass costs a bounded number of signature checks.
 */
export function checkCoseSignature(cose: CoseSign1, trust: TrustStore): SignatureCheck {
  if (!trust.available) return { ok: false, reason: 'untrusted' };
  const kid = coseKid(cose);
  const candidates = kid === undefined ? undefined : trust.dscByKid.get(kid);
  if (!candidates || candidates.length === 0) return { ok: false, reason: 'unknown-kid' };
  const alg = coseAlg(cose);
  if (alg === undefined) return { ok: false, reason: 'unsupported-alg', dsc: candidates[0] };
  const signed = sigStructure(cose);
  for (const dsc of candidates.slice(0, MAX_DSC_PER_KID)) {
    if (dsc.alg === alg && verifySignature(alg, dsc, signed, cose.signature)) return { ok: true, dsc };
  }
  return { ok: false, reason: 'bad-signature', dsc: candidates[0] };
}

/** Sig_structure for COSE_Sign1 (RFC 9052 section 4.4), with empty external AAD. */
function sigStructure(cose: CoseSign1): Buffer {
  return cborOut.encode(['Signature1', cose.protectedBytes, new Uint8Array(0), cose.payload]);
}

function verifySignature(alg: CoseAlg, dsc: Dsc, data: Buffer, signature: Uint8Array): boolean {
  try {
    if (alg === 'ES256') {
      // COSE carries ECDSA signatures as raw r || s.
      return (
        signature.length === 64 &&
        verify('sha256', data, { key: dsc.publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      );
    }
    return verify(
      'sha256',
      data,
      { key: dsc.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      signature,
    );
  } catch {
    return false;
  }
}
