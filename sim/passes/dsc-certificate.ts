import { createHash } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  integer,
  octetString,
  oid,
  printableString,
  sequence,
  set,
  time,
  utf8String,
} from './der.ts';
import { type P256KeyPair, signP256 } from './keys.ts';

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyId: '2.5.29.14',
} as const;

export interface DscOptions {
  key: P256KeyPair;
  /** Two-letter country of the issuer (`C=`). */
  country: string;
  commonName: string;
  organization?: string;
  /** Validity, epoch ms (whole seconds are kept). */
  notBefore: number;
  notAfter: number;
  serial: Uint8Array;
}

/**
 * A self-signed EU DCC document-signer certificate (DSC) for the simulator's HC1 passes:
 * X.509 v3, ECDSA P-256 with SHA-256, key usage digitalSignature, no extended key usage (so it
 * may sign every DCC type). The signature is deterministic, so the same key and dates give the
 * same DER, hence the same key id (the first 8 bytes of its SHA-256).
 */
export function selfSignedDsc(options: DscOptions): Buffer {
  const name = distinguishedName(options);
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const spki = sequence(
    sequence(oid(OID.ecPublicKey), oid(OID.prime256v1)),
    bitString(options.key.publicKey),
  );
  const keyId = createHash('sha1').update(options.key.publicKey).digest();
  const extensions = sequence(
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, bitStringFlags(0x80)), // digitalSignature
    extension(OID.subjectKeyId, false, octetString(keyId)),
  );
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(positive(options.serial)),
    algorithm,
    name,
    sequence(time(options.notBefore), time(options.notAfter)),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = signP256(tbs, options.key, 'der');
  return sequence(tbs, algorithm, bitString(signature));
}

function distinguishedName(o: DscOptions): Buffer {
  const rdn = (type: string, value: Buffer) => set(sequence(oid(type), value));
  return sequence(
    rdn(OID.country, printableString(o.country)),
    ...(o.organization ? [rdn(OID.organization, utf8String(o.organization))] : []),
    rdn(OID.commonName, utf8String(o.commonName)),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** A one-byte KeyUsage BIT STRING with its unused trailing bits counted. */
function bitStringFlags(byte: number): Buffer {
  let unused = 0;
  while (unused < 7 && ((byte >> unused) & 1) === 0) unused++;
  return Buffer.from([0x03, 0x02, unused, byte]);
}

/** A serial number is a positive INTEGER of at most 20 bytes (RFC 5280 4.1.2.2). */
function positive(serial: Uint8Array): Buffer {
  const s = Buffer.from(serial.subarray(0, 20));
  s[0] = ((s[0] as number) & 0x7f) | 0x01;
  return s;
}
