import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { z } from 'zod';
import { newEd25519Jwks } from '../../core/ed25519-key-pair.ts';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { DOWNLINK_JWS_TYPE, type DownlinkClaims, DownlinkClaimsSchema } from './envelope.ts';

/**
 * The central office's side of the downlink (used by `gatepost central` and the tests): an
 * Ed25519 key pair as JWK, and the signing of an envelope.
 */

/** A central private key as written by `gatepost central keygen`: an OKP JWK with its kid. */
export const CentralPrivateJwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    kid: z.string().min(1).max(64),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    d: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();
export type CentralPrivateJwk = z.infer<typeof CentralPrivateJwkSchema>;

/** A new key pair: the private JWK (keep it at the centre) and the public part to pin at the sites. */
export function generateCentralKey(kid: string): {
  privateJwk: CentralPrivateJwk;
  pin: { kid: string; x: string };
} {
  const privateJwk = CentralPrivateJwkSchema.parse({ ...newEd25519Jwks().privateJwk, kid });
  return { privateJwk, pin: { kid, x: privateJwk.x } };
}

export function centralSigningKey(jwk: CentralPrivateJwk): KeyObject {
  return createPrivateKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, format: 'jwk' });
}

/** Signs claims (checked against their schema first) into the compact JWS a site reads. */
export async function signEnvelope(claims: DownlinkClaims, key: CentralPrivateJwk): Promise<string> {
  const checked = DownlinkClaimsSchema.safeParse(claims);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new GatepostError(
      ErrorCode.PayloadInvalid,
      `envelope ${issue?.path.join('.') || 'claims'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(checked.data)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: DOWNLINK_JWS_TYPE })
    .sign(centralSigningKey(key));
}
