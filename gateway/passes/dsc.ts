import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { CertificateType } from './verdict.ts';

/** EU DCC certificate types a document signer may be restricted to. */
export type DccType = Exclude<CertificateType, 'native'>;

/** Signature algorithms of HC1 (COSE ids -7 and -37). */
export type CoseAlg = 'ES256' | 'PS256';

/**
 * Extended key usage OIDs that restrict a DSC to some DCC types (the `.0.` variants are the
 * ones the early test DSCs used; both are in force).
 */
const EKU_TYPES: ReadonlyMap<string, DccType> = new Map([
  ['1.3.6.1.4.1.1847.2021.1.1', 'test'],
  ['1.3.6.1.4.1.0.1847.2021.1.1', 'test'],
  ['1.3.6.1.4.1.1847.2021.1.2', 'vaccination'],
  ['1.3.6.1.4.1.0.1847.2021.1.2', 'vaccination'],
  ['1.3.6.1.4.1.1847.2021.1.3', 'recovery'],
  ['1.3.6.1.4.1.0.1847.2021.1.3', 'recovery'],
]);

/**
 * At most this many document signers are kept, and tried, under one key id. The key id is the
 * first 8 bytes of the SHA-256 of the DER, so two genuine DSCs share one only by a 64-bit
 * collision; more than this under one kid is a hostile or broken trust list (logged at load), and
 * without a cap a forged pass naming that kid costs one signature check per DSC.
 */
export const MAX_DSC_PER_KID = 8;

/** A document-signer certificate, parsed once when the trust list is loaded. */
export interface Dsc {
  /** Key identifier: first 8 bytes of the SHA-256 of the DER, as hex. */
  readonly kid: string;
  /** The whole SHA-256 of the DER, as hex: the same certificate twice is kept once. */
  readonly fingerprint: string;
  readonly publicKey: KeyObject;
  /** The COSE algorithm its key can verify, or null for a key type HC1 does not use. */
  readonly alg: CoseAlg | null;
  /** Validity period, epoch milliseconds, both ends inclusive. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** The DCC types it may sign, or null when it carries none of the DCC OIDs (may sign all). */
  readonly allowedTypes: ReadonlySet<DccType> | null;
  /** The issuing country of the subject (`C=`), upper case, if the certificate names one. */
  readonly country: string | undefined;
}

/** The key identifier of a certificate: first 8 bytes of the SHA-256 of its DER, as hex. */
export function dscKid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('hex');
}

/** Parses a DER certificate; throws when it is not one. */
export function parseDsc(der: Buffer): Dsc {
  const cert = new X509Certificate(der);
  const fingerprint = createHash('sha256').update(cert.raw).digest('hex');
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) {
    throw new GatepostError(
      ErrorCode.TrustListUnreadable,
      `certificate has an unreadable validity period (${cert.validFrom} - ${cert.validTo})`,
    );
  }
  const allowed = new Set<DccType>();
  // `keyUsage` lists the extended key usage OIDs; it is undefined without that extension.
  for (const oid of (cert.keyUsage as string[] | undefined) ?? []) {
    const type = EKU_TYPES.get(oid);
    if (type) allowed.add(type);
  }
  return {
    kid: fingerprint.slice(0, 16),
    fingerprint,
    publicKey: cert.publicKey,
    alg: coseAlgOf(cert.publicKey),
    notBefore,
    notAfter,
    allowedTypes: allowed.size > 0 ? allowed : null,
    country: /(?:^|\n|,\s*)C=([A-Za-z]{2})\b/.exec(cert.subject)?.[1]?.toUpperCase(),
  };
}

function coseAlgOf(key: KeyObject): CoseAlg | null {
  if (key.asymmetricKeyType === 'ec')
    return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : null;
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return 'PS256';
  return null;
}

/** Whether the DSC may sign a DCC of this type (its extended key usage). */
export function dscMaySign(dsc: Dsc, type: DccType): boolean {
  return dsc.allowedTypes === null || dsc.allowedTypes.has(type);
}
