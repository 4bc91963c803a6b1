import { createHmac, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/**
 * Personal data in record payloads: names, ID numbers, dates of birth and pass contents (a
 * scanned code carries the holder's name). After `storage.personalDataRetentionDays`, once
 * delivered, these fields are pseudonymised (a keyed hash: the same person keeps the same
 * pseudonym, so movements stay traceable without the name) or deleted (set to null), per
 * `storage.personalData`.
 *
 * A field is personal if its key is in PERSONAL_KEYS, or it is the `name` of an object held
 * under a key of PERSONAL_OBJECTS (`manual: { name }`). The keys follow the lane and yard
 * record schemas (gateway/lanes/lane-records.ts, gateway/yard/yard-payloads.ts) and the logger's
 * redaction list (core/logger.ts); keep them in step. Licence plates are not personal data
 * here: the ledger is traced by plate.
 */
const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'driverName',
  'personName',
  'idNumber',
  'driverId',
  'dateOfBirth',
  'dob',
  'code',
  'rawCode',
  'subject',
  'phone',
]);
/**
 * Objects whose `name` is a person's: the lanes' manual registration, drivers, pass holders, a
 * hand-over's escort (gateway/yard/handover/handover-payloads.ts; its `phone` is a key above).
 */
const PERSONAL_OBJECTS: ReadonlySet<string> = new Set(['manual', 'driver', 'person', 'holder', 'escort']);

export type PersonalDataMode = 'pseudonymise' | 'delete';

const KEY_PATTERN = new RegExp(`"(?:${[...PERSONAL_KEYS, ...PERSONAL_OBJECTS].join('|')})"\\s*:`);

/** Cheap test on a record's JSON: may it hold personal data? (false positives are harmless) */
export function mayHoldPersonalData(json: string): boolean {
  return KEY_PATTERN.test(json);
}

/** Replaces every personal string of `value` (deeply) by `transform(it)`; returns a new value. */
export function scrubPersonalData(
  value: unknown,
  transform: (s: string) => string | null,
  parentKey = '',
): unknown {
  if (Array.isArray(value)) return value.map((v) => scrubPersonalData(v, transform, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const personal = PERSONAL_KEYS.has(k) || (k === 'name' && PERSONAL_OBJECTS.has(parentKey));
    if (personal && typeof v === 'string') out[k] = transform(v);
    else out[k] = scrubPersonalData(v, transform, k);
  }
  return out;
}

/** Pseudonyms are prefixed so that they are never mistaken for the real thing. */
const PSEUDONYM_PREFIX = 'ps:';

export function isPseudonym(s: string): boolean {
  return s.startsWith(PSEUDONYM_PREFIX);
}

/**
 * A secret of this store: 32 random bytes made on first use and kept in its `meta` table under
 * `name`, so that what is keyed with it stays the same across restarts but cannot be recomputed
 * without the store.
 */
export function storeSecret(db: Database, name: string): Buffer {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(name) as { value: string } | undefined;
  if (row) return Buffer.from(row.value, 'base64');
  const secret = randomBytes(32);
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(name, secret.toString('base64'));
  return secret;
}

/**
 * Keyed pseudonyms. The key is made once per store and kept in its `meta` table, so the same
 * value gets the same pseudonym across restarts but cannot be recomputed without the store.
 */
export class Pseudonymiser {
  private readonly key: Buffer;

  constructor(db: Database) {
    this.key = storeSecret(db, 'pseudonym-key');
  }

  pseudonym(value: string): string {
    if (isPseudonym(value)) return value;
    return PSEUDONYM_PREFIX + createHmac('sha256', this.key).update(value).digest('base64url').slice(0, 22);
  }

  /** The transform of a mode: the pseudonym, or null for `delete`. */
  transform(mode: PersonalDataMode): (s: string) => string | null {
    return mode === 'delete' ? () => null : (s) => this.pseudonym(s);
  }
}
