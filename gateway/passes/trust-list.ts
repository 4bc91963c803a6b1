import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { readFileCapped } from '../../core/read-file-capped.ts';
import { formatPath } from '../../core/value-path.ts';
import { type Dsc, MAX_DSC_PER_KID, parseDsc } from './dsc.ts';

/**
 * A trust list file is at most this big; reading stops one byte past it and refuses the file, and
 * only regular files are read (core/read-file-capped.ts): /dev/zero or a FIFO is refused at once.
 */
export const MAX_TRUST_LIST_BYTES = 16 * 1024 * 1024;

/**
 * At most this many GP1 keys are kept under one `kid` (the same key again is kept once): a
 * forged GP1 pass costs one Ed25519 check per key of its kid (gp1.ts), as HC1's MAX_DSC_PER_KID.
 */
export const MAX_KEYS_PER_KID = 8;

/** A GP1 verification key: an Ed25519 public JWK with its key id. */
export const Gp1JwkSchema = z.looseObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the 32-byte public key, base64url'),
  kid: z.string().min(1).max(256),
  alg: z.enum(['EdDSA', 'Ed25519']).optional(),
  d: z.never({ error: 'a trust list holds public keys only' }).optional(),
});

const base64Der = z
  .string()
  .max(64 * 1024)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be a base64 DER certificate');

/** The trust list file: `keys` (a JWKS keys array, GP1) and/or `dsc` (base64 DER certificates, HC1). */
export const TrustListFileSchema = z
  .object({
    keys: z.array(Gp1JwkSchema).optional(),
    dsc: z.array(base64Der).optional(),
  })
  .strict();
export type TrustListFile = z.infer<typeof TrustListFileSchema>;

/**
 * The keys passes are verified against, parsed once and looked up by key id. `available` is
 * false when no trust list could be loaded: then every pass verifies as untrusted.
 */
export interface TrustStore {
  readonly available: boolean;
  /** GP1 keys by `kid` (Node KeyObjects, verified synchronously: see gp1.ts). */
  readonly gp1Keys: ReadonlyMap<string, readonly KeyObject[]>;
  /** Document signers by key id (hex of the first 8 bytes of the SHA-256 of the DER). */
  readonly dscByKid: ReadonlyMap<string, readonly Dsc[]>;
  /** What the load left out: the same certificate again, and DSCs past MAX_DSC_PER_KID under one kid. */
  readonly skipped?: TrustListSkipped;
}

export interface TrustListSkipped {
  /** Certificates listed more than once (same DER), beyond their first listing. */
  readonly duplicateDsc: number;
  /** GP1 keys listed more than once (same `kid` and `x`), beyond their first listing. */
  readonly duplicateKeys: number;
  /**
   * Key ids with more than MAX_DSC_PER_KID distinct DSCs or MAX_KEYS_PER_KID distinct GP1 keys,
   * and how many of theirs were left out.
   */
  readonly crowdedKids: Readonly<Record<string, number>>;
}

/**
 * The longest stretch buildTrustStore works before it yields to the event loop (setImmediate):
 * parsing one DSC takes 0.3-0.4 ms, so a list of thousands is parsed in slices this long.
 */
const TRUST_BUILD_SLICE_MS = 4;

/** A store with no keys; `available: false` marks a missing or unreadable trust list. */
export function emptyTrustStore(available = false): TrustStore {
  return { available, gp1Keys: new Map(), dscByKid: new Map() };
}

/** Validates a parsed trust list; throws a GatepostError naming every problem. */
export function parseTrustList(raw: unknown, source = 'trust list'): TrustListFile {
  const result = TrustListFileSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw trustListError(`${source} is not valid: ${problems.join('; ')}`, { problems });
}

/**
 * Imports every key and certificate of a validated trust list into lookup maps. The same
 * certificate or key listed again is kept once (a DSC by the SHA-256 of its DER), at most
 * MAX_DSC_PER_KID DSCs and MAX_KEYS_PER_KID GP1 keys are kept under one key id (all counted in
 * `skipped`), and the work is done in slices of
 * TRUST_BUILD_SLICE_MS with the event loop served between them.
 */
export async function buildTrustStore(list: TrustListFile, source = 'trust list'): Promise<TrustStore> {
  const gp1Keys = new Map<string, KeyObject[]>();
  const crowdedKids: Record<string, number> = {};
  const seenKeys = new Set<string>();
  let duplicateKeys = 0;
  let sliceStart = performance.now();
  for (const [i, jwk] of (list.keys ?? []).entries()) {
    if (performance.now() - sliceStart >= TRUST_BUILD_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    // JSON.stringify of a pair of strings: no separator can be forged into either.
    const id = JSON.stringify([jwk.kid, jwk.x]);
    if (seenKeys.has(id)) {
      duplicateKeys++;
      continue;
    }
    seenKeys.add(id);
    if ((gp1Keys.get(jwk.kid)?.length ?? 0) >= MAX_KEYS_PER_KID) {
      crowdedKids[jwk.kid] = (crowdedKids[jwk.kid] ?? 0) + 1;
      continue;
    }
    let key: KeyObject;
    try {
      key = importGp1Key(jwk);
    } catch (e) {
      throw trustListError(`${source}: keys[${i}] is not a usable Ed25519 key`, { cause: errorMessage(e) });
    }
    append(gp1Keys, jwk.kid, key);
  }
  const dscByKid = new Map<string, Dsc[]>();
  const seen = new Set<string>();
  let duplicateDsc = 0;
  for (const [i, b64] of (list.dsc ?? []).entries()) {
    if (performance.now() - sliceStart >= TRUST_BUILD_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    const der = Buffer.from(b64, 'base64');
    // Hashing is ~100 times cheaper than parsing: a listed-again certificate is never parsed.
    const bytesHash = createHash('sha256').update(der).digest('hex');
    if (seen.has(bytesHash)) {
      duplicateDsc++;
      continue;
    }
    seen.add(bytesHash);
    let dsc: Dsc;
    try {
      dsc = parseDsc(der);
    } catch (e) {
      throw trustListError(`${source}: dsc[${i}] is not an X.509 certificate`, { cause: errorMessage(e) });
    }
    const sameKid = dscByKid.get(dsc.kid) ?? [];
    // The same DER with trailing bytes after it parses to the same certificate.
    if (sameKid.some((d) => d.fingerprint === dsc.fingerprint)) {
      duplicateDsc++;
      continue;
    }
    if (sameKid.length >= MAX_DSC_PER_KID) {
      crowdedKids[dsc.kid] = (crowdedKids[dsc.kid] ?? 0) + 1;
      continue;
    }
    sameKid.push(dsc);
    dscByKid.set(dsc.kid, sameKid);
  }
  return { available: true, gp1Keys, dscByKid, skipped: { duplicateDsc, duplicateKeys, crowdedKids } };
}

/** Reads and validates a trust list file, synchronously; throws a GatepostError (TrustListUnreadable). */
export function readTrustListFile(file: string): TrustListFile {
  let text: string;
  try {
    text = readFileCapped(file, MAX_TRUST_LIST_BYTES).toString('utf8');
  } catch (e) {
    throw trustListError(`cannot read trust list ${file}: ${errorMessage(e)}`, { path: file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw trustListError(`trust list ${file} is not JSON: ${errorMessage(e)}`, { path: file });
  }
  return parseTrustList(raw, `trust list ${file}`);
}

/**
 * Reads, validates and imports a trust list file in this thread; throws a GatepostError
 * (TrustListUnreadable). Reading and JSON.parse of a 16 MiB list hold this thread for a few
 * hundred ms: the gateway loads through trust-list-thread.ts instead (trust-list-watcher.ts).
 */
export async function loadTrustListFile(file: string): Promise<TrustStore> {
  return buildTrustStore(readTrustListFile(file), `trust list ${file}`);
}

/** The error of every trust list problem: code 710, TrustListUnreadable. */
export function trustListError(message: string, details?: Record<string, unknown>): GatepostError {
  return new GatepostError(ErrorCode.TrustListUnreadable, message, details);
}

/** Counts for logs and events. */
export function trustStoreSize(store: TrustStore): { keys: number; dsc: number } {
  let keys = 0;
  let dsc = 0;
  for (const list of store.gp1Keys.values()) keys += list.length;
  for (const list of store.dscByKid.values()) dsc += list.length;
  return { keys, dsc };
}

function importGp1Key(jwk: z.infer<typeof Gp1JwkSchema>): KeyObject {
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
  if (key.asymmetricKeyType !== 'ed25519')
    throw new GatepostError(ErrorCode.TrustListUnreadable, `not an Ed25519 key (${key.asymmetricKeyType})`);
  return key;
}

function append<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
