import { generateKeyPairSync } from 'node:crypto';
import { ErrorCode, GatepostError } from './errors.ts';

/** An Ed25519 key pair as JWKs (RFC 8037): `x` the public key, `d` the private seed, base64url. */
export interface Ed25519Jwks {
  privateJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

/**
 * A new Ed25519 key pair, exported as JWKs by the key generation itself. The one way the project
 * makes a key: exporting the KeyObject that `generateKeyPairSync` has just returned
 * (`privateKey.export({ format: 'jwk' })`) can deadlock Node 20's main thread for good. The export
 * holds the key's mutex while it allocates; a garbage collection then may finalise the finished
 * key-generation job, whose destructor takes the same mutex (seen with gdb: `~KeyGenJob` under
 * `Heap::CollectGarbage` under `ExportJWKEdKey`; a plain loop of the two stuck within
 * 20,000-40,000 keys in 5 of 6 runs, the encoding asked of the generation ran 600,000 without).
 * test/architecture/key-generation.test.ts keeps every other file from calling the generation.
 */
export function newEd25519Jwks(): Ed25519Jwks {
  // @types/node does not describe the 'jwk' encoding of a generated pair; Node 20 supports it.
  const pair = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { format: 'jwk' },
    privateKeyEncoding: { format: 'jwk' },
  } as never) as unknown as { publicKey: { x?: unknown }; privateKey: { x?: unknown; d?: unknown } };
  const x = pair.publicKey.x;
  const d = pair.privateKey.d;
  if (typeof x !== 'string' || typeof d !== 'string' || pair.privateKey.x !== x)
    throw new GatepostError(ErrorCode.Internal, 'Ed25519 key generation returned no JWK');
  return {
    privateJwk: { kty: 'OKP', crv: 'Ed25519', x, d },
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x },
  };
}
