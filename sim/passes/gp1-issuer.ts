import { type KeyObject, sign } from 'node:crypto';
import { ed25519FromSeed, seedBytes } from './keys.ts';

/** The claims of a native pass (devices.md section 1). */
export interface Gp1Claims {
  plate: string;
  sub: string;
  name?: string;
  color: 'green' | 'yellow' | 'red';
  test?: { kind: 'antigen' | 'pcr'; result: 'negative' | 'positive'; at: number };
  origin?: string;
  dest?: string;
  /** Epoch seconds. */
  iat: number;
  exp: number;
}

/** An Ed25519 public key as the trust list's `keys` array holds it. */
export interface Gp1PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
}

/**
 * Issues `GP1:` passes: a JWS compact serialization, EdDSA over Ed25519, protected header
 * `{"alg":"EdDSA","kid":...}`. The key comes from the seed, and Ed25519 signatures are
 * deterministic, so a seeded run issues byte-identical passes. Signing is synchronous, so
 * issuing a pass takes no time on the simulation's clock.
 */
export class Gp1Issuer {
  private readonly privateKey: KeyObject;
  readonly publicJwk: Gp1PublicJwk;

  constructor(
    readonly kid: string,
    seed: Uint8Array,
  ) {
    const pair = ed25519FromSeed(seed);
    this.privateKey = pair.privateKey;
    this.publicJwk = { ...pair.publicJwk, kid, alg: 'EdDSA' };
  }

  /** The issuer of a seeded run; `label` tells the simulator's real key from its forger's. */
  static fromSeed(seed: number, label: string, kid: string): Gp1Issuer {
    return new Gp1Issuer(kid, seedBytes(seed, `gp1/${label}`));
  }

  issue(claims: Gp1Claims): string {
    const header = b64url(JSON.stringify({ alg: 'EdDSA', kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = sign(null, Buffer.from(`${header}.${payload}`, 'ascii'), this.privateKey);
    return `GP1:${header}.${payload}.${signature.toString('base64url')}`;
  }
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
