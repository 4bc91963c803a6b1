import type { Random } from '../random.ts';
import { Gp1Issuer } from './gp1-issuer.ts';
import { Hc1Issuer } from './hc1-issuer.ts';
import { type TrustListContent, trustListContent } from './trust-list-writer.ts';

/**
 * The kinds of pass a simulated driver may hold (the traffic's pass mix weighs them):
 *  - `green`: GP1 green with a negative antigen test a few hours old (the rules: PASS);
 *  - `greenNoTest`: GP1 green without a test (YARD);
 *  - `yellow`, `red`: GP1 of that colour (YARD, ISOLATE);
 *  - `expired`: GP1 green whose `exp` is days past (REVIEW);
 *  - `forged`: GP1 green signed with another key under the simulator's `kid` (REVIEW);
 *  - `plate`: the plate number typed as a code, unsigned (REVIEW);
 *  - `hc1`: a valid EU DCC: a negative test, a vaccination or a recovery certificate.
 */
export const PASS_KINDS = [
  'green',
  'greenNoTest',
  'yellow',
  'red',
  'expired',
  'forged',
  'plate',
  'hc1',
] as const;
export type PassKind = (typeof PASS_KINDS)[number];

/** Who a pass is for. */
export interface PassHolder {
  plate: string;
  /** Pseudonymous driver id. */
  sub: string;
  familyName: string;
  givenName: string;
  dateOfBirth: string;
  origin: string;
  dest: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface PassMintOptions {
  seed: number;
  /** The time passes are issued around (the traffic's clock). */
  now: () => number;
  /** Country of the HC1 document signer and of the certificates. */
  country?: string;
}

/**
 * Issues every kind of pass for simulated drivers: GP1 passes signed with the simulator's own
 * Ed25519 key, forged ones signed with another key under the same `kid`, and HC1 codes signed by
 * the simulator's self-signed document signer. `trustList()` is what the gateway must trust.
 * All signing is synchronous and deterministic for a seed.
 */
export class PassMint {
  readonly gp1: Gp1Issuer;
  readonly forger: Gp1Issuer;
  readonly hc1: Hc1Issuer;
  private readonly now: () => number;
  private serial = 0;

  constructor(options: PassMintOptions) {
    const kid = `gatepost-sim-${options.seed}`;
    this.now = options.now;
    this.gp1 = Gp1Issuer.fromSeed(options.seed, 'issuer', kid);
    this.forger = Gp1Issuer.fromSeed(options.seed, 'forger', kid);
    const t = options.now();
    // Valid from a month back to ten years on: a sped-up run stays well inside it.
    this.hc1 = new Hc1Issuer(options.seed, options.country ?? 'CN', {
      notBefore: t - 30 * DAY,
      notAfter: t + 3650 * DAY,
    });
  }

  /** The trust list that makes the gateway accept this mint's genuine passes (and not the forger's). */
  trustList(): TrustListContent {
    return trustListContent([this.gp1.publicJwk], [this.hc1.dsc]);
  }

  /** A code of this kind for the holder, drawing its times from `rnd`. */
  issue(kind: PassKind, holder: PassHolder, rnd: Random): string {
    const now = this.now();
    const sec = (ms: number) => Math.floor(ms / 1000);
    const iat = now - rnd.uniform(1 * HOUR, 3 * DAY);
    const exp = now + rnd.uniform(2 * DAY, 30 * DAY);
    const base = {
      plate: holder.plate,
      sub: holder.sub,
      name: `${holder.familyName} ${holder.givenName}`,
      origin: holder.origin,
      dest: holder.dest,
      iat: sec(iat),
      exp: sec(exp),
    };
    const negativeTest = {
      kind: 'antigen' as const,
      result: 'negative' as const,
      at: sec(now - rnd.uniform(0.5 * HOUR, 12 * HOUR)),
    };
    switch (kind) {
      case 'green':
        return this.gp1.issue({ ...base, color: 'green', test: negativeTest });
      case 'greenNoTest':
        return this.gp1.issue({ ...base, color: 'green' });
      case 'yellow':
        return this.gp1.issue({ ...base, color: 'yellow' });
      case 'red':
        return this.gp1.issue({ ...base, color: 'red' });
      case 'expired': {
        const expired = now - rnd.uniform(1 * HOUR, 5 * DAY);
        return this.gp1.issue({
          ...base,
          color: 'green',
          test: negativeTest,
          iat: sec(expired - 7 * DAY),
          exp: sec(expired),
        });
      }
      case 'forged':
        return this.forger.issue({ ...base, color: 'green', test: negativeTest });
      case 'plate':
        return holder.plate;
      case 'hc1':
        return this.issueHc1(holder, rnd, now);
    }
  }

  private issueHc1(holder: PassHolder, rnd: Random, now: number): string {
    const type = rnd.weighted({ test: 2, vaccination: 1, recovery: 1 });
    const content =
      type === 'test'
        ? {
            type,
            kind: rnd.chance(0.7) ? ('antigen' as const) : ('pcr' as const),
            result: 'negative' as const,
            sampledAt: now - rnd.uniform(1 * HOUR, 20 * HOUR),
          }
        : type === 'vaccination'
          ? { type, doses: rnd.int(2, 3), vaccinatedAt: now - rnd.uniform(30 * DAY, 300 * DAY) }
          : { type, firstPositiveAt: now - rnd.uniform(20 * DAY, 150 * DAY) };
    this.serial++;
    return this.hc1.issue({
      holder,
      content,
      issuedAt: now - rnd.uniform(1 * HOUR, 2 * DAY),
      expiresAt: now + rnd.uniform(30 * DAY, 180 * DAY),
      id: `${holder.sub.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}${this.serial}`,
    });
  }
}
