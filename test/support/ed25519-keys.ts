import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type Ed25519Jwks, newEd25519Jwks } from '../../core/ed25519-key-pair.ts';

/**
 * A new Ed25519 signing key for a test's passes: the private key as a KeyObject (what jose's
 * CompactSign and node's sign take) and the public JWK for a trust list. Made by newEd25519Jwks,
 * never by jose's own key generation and JWK export: exporting a just-generated key can deadlock
 * Node 20 (core/ed25519-key-pair.ts).
 */
export function ed25519SigningKey(): { privateKey: KeyObject; publicJwk: Ed25519Jwks['publicJwk'] } {
  const { privateJwk, publicJwk } = newEd25519Jwks();
  return { privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }), publicJwk };
}
