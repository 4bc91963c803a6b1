import { randomBytes } from 'node:crypto';
import { CompactSign } from 'jose';
import { z } from 'zod';
import { GP1_PREFIX, Gp1ClaimsSchema } from '../passes/gp1.ts';
import type { SiteKey } from './site-key.ts';

/**
 * A card's code: a GP1 pass (gateway/passes/gp1.ts) signed with the site key. Its claims are a
 * GP1 pass's (plate, sub, color, iat, exp) plus `bay` and `card: { id, site }`, which the lanes'
 * verifier ignores and the revocation check reads (revoked-cards.ts). The person is named by
 * reference (`sub`), never by name or ID number.
 */
export const CardClaimsSchema = Gp1ClaimsSchema.extend({
  bay: z.string().max(16).optional(),
  card: z.object({ id: z.string().min(1).max(64), site: z.string().min(1).max(32) }).strict(),
}).strict();
export type CardClaims = z.infer<typeof CardClaimsSchema>;

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** A new card id: `card-` and 16 base32 characters (80 random bits). */
export function newCardId(): string {
  const bytes = randomBytes(16);
  let s = '';
  for (const b of bytes) s += ID_ALPHABET[b & 31];
  return `card-${s}`;
}

/** Signs the claims (checked against their schema first) into the `GP1:` code printed as the QR. */
export async function signCard(claims: CardClaims, key: SiteKey): Promise<string> {
  const checked = CardClaimsSchema.parse(claims);
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(checked)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .sign(key.privateKey);
  return `${GP1_PREFIX}${jws}`;
}
