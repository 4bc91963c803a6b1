import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';

/**
 * Key material of the simulator's pass issuers, derived from the run's seed and a label, so
 * that the same seed gives the same keys, the same trust list and byte-identical passes.
 * These keys sign simulated passes for bench tests and demos only.
 */

/** 32 bytes derived from a seed and a label (SHA-256; not a KDF for real secrets). */
export function seedBytes(seed: number, label: string, n = 32): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < n; i++) {
    out.push(createHash('sha256').update(`gatepost-sim/${seed}/${label}/${i}`).digest());
  }
  return Buffer.concat(out).subarray(0, n);
}

/** PKCS#8 header of an Ed25519 private key (RFC 8410); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Ed25519KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as a JWK (`kty` OKP, `crv` Ed25519, `x`). */
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

/** The Ed25519 key pair of a 32-byte seed. Ed25519 signatures are deterministic (RFC 8032). */
export function ed25519FromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) } };
}

export interface P256KeyPair {
  secretKey: Uint8Array;
  /** Uncompressed SEC1 point: 0x04 || X || Y. */
  publicKey: Uint8Array;
}

/** A P-256 key pair from seed material (any length of at least 32 bytes). */
export function p256FromSeed(seed: Uint8Array): P256KeyPair {
  const { secretKey } = p256.keygen(seedBytesFor(seed));
  return { secretKey, publicKey: p256.getPublicKey(secretKey, false) };
}

/** noble's keygen wants 48 bytes of seed for P-256 (FIPS 186-5 A.2.1); stretch what we have. */
function seedBytesFor(seed: Uint8Array): Uint8Array {
  const a = createHash('sha256').update(seed).update('a').digest();
  const b = createHash('sha256').update(seed).update('b').digest();
  return Buffer.concat([a, b]).subarray(0, 48);
}

/**
 * ECDSA P-256 with SHA-256, deterministic (RFC 6979): the same key and message give the same
 * signature, which keeps seeded runs byte-identical (node:crypto signs with a random nonce).
 */
export function signP256(message: Uint8Array, key: P256KeyPair, format: 'compact' | 'der'): Buffer {
  return Buffer.from(p256.sign(message, key.secretKey, { format }));
}
