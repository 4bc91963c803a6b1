import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { GP1_PREFIX } from './gp1.ts';
import { HC1_PREFIX } from './hc1.ts';
import { decodeBase45, decodeCoseSign1 } from './hc1-decode.ts';
import { trimScannedCode } from './verifier.ts';
import { DEFAULT_MAX_CODE_LENGTH, DEFAULT_MAX_DECOMPRESSED_BYTES } from './verify-context.ts';

/**
 * The key a pass is remembered by for replays: a hash of what its issuer signed, never of the
 * characters scanned. One signed pass has many spellings that verify (another zlib level, the
 * ECDSA twin signature (r, n-s), other unprotected header fields, a CR LF after it), and
 * some that do not (bytes after the zlib stream, a base64url character with stray low bits);
 * they all get the one key, so showing any of them again is a replay.
 *
 * - `GP1:` the JWS signing input (the header and payload segments as sent, which the EdDSA
 *   signature covers byte for byte);
 * - `HC1:` the COSE protected header and payload bytes (the Sig_structure's content);
 * - anything else, or a pass that does not decode that far: the trimmed code itself.
 *
 * Decoding stays within the verifier's budgets: a code over 8 KiB is not decoded, the CBOR is
 * pre-scanned, zlib is capped at 64 KiB. Never throws.
 */
export function passReplayKey(code: string): string {
  const trimmed = trimScannedCode(code);
  let key: string | undefined;
  try {
    key = trimmed.length <= DEFAULT_MAX_CODE_LENGTH ? signedContentKey(trimmed) : undefined;
  } catch {
    key = undefined;
  }
  return key ?? `code:${sha256(trimmed)}`;
}

function signedContentKey(code: string): string | undefined {
  if (code.startsWith(GP1_PREFIX)) {
    const parts = code.slice(GP1_PREFIX.length).split('.');
    return parts.length === 3 ? `GP1:${sha256(`${parts[0]}.${parts[1]}`)}` : undefined;
  }
  if (!code.startsWith(HC1_PREFIX)) return undefined;
  const compressed = decodeBase45(code.slice(HC1_PREFIX.length));
  if (!compressed.ok) return undefined;
  let cose: Buffer;
  try {
    // Bytes after the zlib stream make the pass invalid, but it is still the same signed pass.
    cose = inflateSync(compressed.value, { maxOutputLength: DEFAULT_MAX_DECOMPRESSED_BYTES });
  } catch {
    return undefined;
  }
  const sign1 = decodeCoseSign1(cose);
  if (!sign1.ok) return undefined;
  const { protectedBytes, payload } = sign1.value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(protectedBytes.length);
  return `HC1:${sha256(length, protectedBytes, payload)}`;
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest('base64url');
}
