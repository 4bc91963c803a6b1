import { X509Certificate } from 'node:crypto';
import { errorMessage } from '../../core/errors.ts';
import { readFileCapped } from '../../core/read-file-capped.ts';
import {
  buildTrustStore,
  MAX_TRUST_LIST_BYTES,
  parseTrustList,
  type TrustListFile,
  type TrustStore,
  trustListError as unreadable,
} from './trust-list.ts';

/**
 * Trust given by hand (`gatepost verify --trust FILE`): a trust list file, a JWKS, a single
 * JWK, or a certificate as PEM, DER or bare base64 DER. The kind is told from the content.
 */

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reads one trust source into trust list form; throws a GatepostError (TrustListUnreadable). */
export async function readTrustSource(file: string): Promise<TrustListFile> {
  let bytes: Buffer;
  try {
    bytes = readFileCapped(file, MAX_TRUST_LIST_BYTES);
  } catch (e) {
    throw unreadable(`cannot read ${file}: ${errorMessage(e)}`);
  }
  // DER: an ASN.1 SEQUENCE.
  if (bytes[0] === 0x30) return { dsc: [certificateBase64(bytes, file)] };
  const text = bytes.toString('utf8').trim();
  const pem = [...text.matchAll(PEM_CERT)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
  if (pem.length > 0) return { dsc: pem.map((b64) => certificateBase64(Buffer.from(b64, 'base64'), file)) };
  if (text.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw unreadable(`${file} is not valid JSON: ${errorMessage(e)}`);
    }
    // A single JWK becomes a one-key JWKS; a JWKS is a trust list with only `keys`.
    const list = typeof raw === 'object' && raw !== null && 'kty' in raw ? { keys: [raw] } : raw;
    return parseTrustList(list, file);
  }
  if (BASE64.test(text)) return { dsc: [certificateBase64(Buffer.from(text, 'base64'), file)] };
  throw unreadable(`${file} is not a trust list, JWKS, JWK, or PEM/DER certificate`);
}

/** Reads every source and merges them into one trust store. */
export async function loadTrustSources(files: readonly string[]): Promise<TrustStore> {
  const merged: Required<TrustListFile> = { keys: [], dsc: [] };
  for (const file of files) {
    const list = await readTrustSource(file);
    merged.keys.push(...(list.keys ?? []));
    merged.dsc.push(...(list.dsc ?? []));
  }
  return buildTrustStore(merged, files.join(', '));
}

function certificateBase64(der: Buffer, file: string): string {
  try {
    return new X509Certificate(der).raw.toString('base64');
  } catch (e) {
    throw unreadable(`${file} does not hold a readable X.509 certificate: ${errorMessage(e)}`);
  }
}
