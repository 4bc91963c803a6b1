import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { type DownlinkKind, DownlinkKindSchema } from './envelope.ts';

/** What is known of the envelope applied last of one kind. */
export const AppliedVersionSchema = z
  .object({
    version: z.number().int().positive(),
    envelopeId: z.string(),
    issuedAt: z.number().int().describe('Epoch ms'),
    appliedAt: z.number().int().describe('Epoch ms'),
  })
  .strict();
export type AppliedVersion = z.infer<typeof AppliedVersionSchema>;

/** Envelope ids remembered to refuse a replay of an older envelope by its id. */
const SEEN_IDS = 1000;
const KEY_PREFIX = 'downlink.version.';
const SEEN_KEY = 'downlink.seen-ids';

/**
 * The downlink's memory in the store's `meta` table (synchronous=FULL: a commit survives a
 * power cut): the version applied last of each kind, and the last envelope ids seen. A restart
 * reads them back, so a replayed or older envelope is refused after it as before it.
 */
export class DownlinkVersionStore {
  private readonly versions = new Map<DownlinkKind, AppliedVersion>();
  private seen: string[] = [];
  private seenSet = new Set<string>();
  private readonly put;

  constructor(private readonly db: Database) {
    this.put = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    const rows = db.prepare("SELECT key, value FROM meta WHERE key LIKE 'downlink.%'").all() as {
      key: string;
      value: string;
    }[];
    for (const { key, value } of rows) {
      if (key === SEEN_KEY) {
        const ids = z.array(z.string()).safeParse(safeJson(value));
        if (ids.success) this.seen = ids.data.slice(-SEEN_IDS);
        continue;
      }
      const kind = DownlinkKindSchema.safeParse(key.slice(KEY_PREFIX.length));
      const v = AppliedVersionSchema.safeParse(safeJson(value));
      if (kind.success && v.success) this.versions.set(kind.data, v.data);
    }
    this.seenSet = new Set(this.seen);
  }

  current(kind: DownlinkKind): AppliedVersion | undefined {
    return this.versions.get(kind);
  }

  all(): Partial<Record<DownlinkKind, AppliedVersion>> {
    return Object.fromEntries(this.versions);
  }

  wasSeen(envelopeId: string): boolean {
    return this.seenSet.has(envelopeId);
  }

  /** Remembers an envelope id (applied or refused) so that the same envelope is a replay later. */
  markSeen(envelopeId: string): void {
    if (this.seenSet.has(envelopeId)) return;
    this.seen.push(envelopeId);
    this.seenSet.add(envelopeId);
    if (this.seen.length > SEEN_IDS) this.seenSet.delete(this.seen.shift() ?? '');
    this.put.run(SEEN_KEY, JSON.stringify(this.seen));
  }

  /** The version of a kind after its envelope was applied; one transaction with the seen id. */
  setApplied(kind: DownlinkKind, v: AppliedVersion): void {
    this.db.transaction(() => {
      this.put.run(KEY_PREFIX + kind, JSON.stringify(v));
      this.markSeen(v.envelopeId);
    })();
    this.versions.set(kind, v);
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
