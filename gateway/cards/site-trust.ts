import type { KeyObject } from 'node:crypto';
import type { TrustStore } from '../passes/trust-list.ts';

/**
 * The trust the lanes verify against: the central office's trust list as the watcher holds it,
 * with the site's own card key added in memory. The downlink rewrites the list's file (and the
 * watcher replaces its store) without knowing of the site key, so the key is added again to each
 * new store here, never written into the file. Whether the list is `available` stays the list's
 * own: with no trust list, every pass (a card too) verifies as untrusted, as before.
 */
export class SiteTrust {
  private lastBase: TrustStore | undefined;
  private lastMerged: TrustStore | undefined;

  constructor(
    private readonly kid: string,
    private readonly key: KeyObject,
  ) {}

  /** `base` with the site key under its kid; the same object back for the same base (no copy per scan). */
  merge(base: TrustStore): TrustStore {
    if (base === this.lastBase && this.lastMerged) return this.lastMerged;
    const gp1Keys = new Map(base.gp1Keys);
    const listed = gp1Keys.get(this.kid) ?? [];
    // The central office may list the site's key too (it distributes it): kept once.
    if (!listed.some((k) => k.equals(this.key))) gp1Keys.set(this.kid, [this.key, ...listed]);
    this.lastBase = base;
    this.lastMerged = { ...base, gp1Keys };
    return this.lastMerged;
  }
}
