import { base64url } from 'jose';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { GP1_PREFIX } from '../passes/gp1.ts';
import type { Verdict } from '../passes/verdict.ts';
import { trimScannedCode } from '../passes/verifier.ts';

/** What the lanes verify passes with (lanes/lane-ports.ts PassCheck). */
export interface PassVerifying {
  verify(code: string, at: number): Promise<Verdict>;
}

/** The card ids a site has revoked (CardStore.isRevoked). */
export interface RevokedCardIds {
  isRevoked(id: string): boolean;
}

/** A card's claims are a few hundred bytes; the verifier has parsed this payload within the same budget. */
const PAYLOAD_BUDGET = { maxBytes: 8 * 1024, maxDepth: 16 };

/**
 * The lanes' verifier, with the site's revocations: a GP1 pass that is one of this site's cards
 * (`card.site` is this site) and whose `card.id` is revoked gets the reason `card-revoked` and is
 * not valid, whatever its signature says. Anything else passes through untouched.
 */
export class RevocationCheckingVerifier implements PassVerifying {
  constructor(
    private readonly inner: PassVerifying,
    private readonly site: string,
    private readonly revoked: RevokedCardIds,
  ) {}

  async verify(code: string, at: number): Promise<Verdict> {
    const verdict = await this.inner.verify(code, at);
    if (verdict.kind !== 'GP1') return verdict;
    const id = cardIdOf(code, this.site);
    if (id === undefined || !this.revoked.isRevoked(id)) return verdict;
    return { ...verdict, valid: false, reasons: [...verdict.reasons, 'card-revoked'] };
  }
}

/** The card id a GP1 code carries for `site` (claim `card: { id, site }`), if it is one of its cards. */
export function cardIdOf(code: string, site: string): string | undefined {
  if (typeof code !== 'string') return undefined;
  const trimmed = trimScannedCode(code);
  if (!trimmed.startsWith(GP1_PREFIX)) return undefined;
  const payload = trimmed.slice(GP1_PREFIX.length).split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = parseBoundedJson(base64url.decode(payload), PAYLOAD_BUDGET);
    if (!json.ok || typeof json.value !== 'object' || json.value === null) return undefined;
    const card = (json.value as { card?: unknown }).card;
    if (typeof card !== 'object' || card === null) return undefined;
    const { id, site: of } = card as { id?: unknown; site?: unknown };
    return typeof id === 'string' && of === site ? id : undefined;
  } catch {
    return undefined;
  }
}
