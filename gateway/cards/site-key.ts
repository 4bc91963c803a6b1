import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { z } from 'zod';
import { newEd25519Jwks } from '../../core/ed25519-key-pair.ts';
import { ErrorCode, errorMessage, GatepostError, isGatepostError } from '../../core/errors.ts';
import { type SiteKeyJwk, SiteKeyJwkSchema } from './card-payloads.ts';

/**
 * The site's own signing key for its cards: an Ed25519 key pair in the store directory
 * (`site-key.jwk` beside the database), made once on the first start and read at every start
 * after. A file that is there but unreadable stops the gateway: a new key would orphan every
 * card issued so far (docs/passes.md, site key).
 */

export const SITE_KEY_FILE = 'site-key.jwk';
/** The key file is a few hundred bytes; anything past this is not one. */
const MAX_KEY_FILE_BYTES = 4096;

const PrivateJwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    d: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();
type PrivateJwk = z.infer<typeof PrivateJwkSchema>;

export interface SiteKey {
  /** `site:<site>:<first 16 characters of the key's RFC 7638 thumbprint>`. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public part as a JWK (no `d`), as published on `cards/site-key`. */
  readonly jwk: SiteKeyJwk;
  /** Where it is kept. */
  readonly file: string;
  /** True when this start made it. */
  readonly created: boolean;
}

/** The key file of a store: beside the database file (`storage.path`). */
export function siteKeyFileOf(storagePath: string): string {
  return path.join(path.dirname(path.resolve(storagePath)), SITE_KEY_FILE);
}

/** Reads the site key, or makes it when there is no file; throws SiteKeyUnreadable on a bad file. */
export async function loadOrCreateSiteKey(file: string, site: string): Promise<SiteKey> {
  let raw: Buffer | undefined;
  try {
    raw = readKeyFile(file);
  } catch (e) {
    if (isGatepostError(e)) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(file, errorMessage(e));
  }
  if (raw === undefined) {
    const priv = PrivateJwkSchema.parse(newEd25519Jwks().privateJwk);
    if (!createOnce(file, `${JSON.stringify(priv)}\n`)) return loadOrCreateSiteKey(file, site);
    return siteKeyOf(priv, file, site, true);
  }
  let parsed: PrivateJwk;
  try {
    parsed = PrivateJwkSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch (e) {
    throw unreadable(file, `not an Ed25519 private JWK (${errorMessage(e).slice(0, 200)})`);
  }
  return siteKeyOf(parsed, file, site, false);
}

/** A key for a store in memory (`storage.path: ':memory:'`, tests): made now, kept nowhere. */
export function ephemeralSiteKey(site: string): Promise<SiteKey> {
  return siteKeyOf(PrivateJwkSchema.parse(newEd25519Jwks().privateJwk), ':memory:', site, true);
}

async function siteKeyOf(priv: PrivateJwk, file: string, site: string, created: boolean): Promise<SiteKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: priv, format: 'jwk' });
  } catch (e) {
    throw unreadable(file, `not a usable Ed25519 key: ${errorMessage(e)}`);
  }
  const publicKey = createPublicKey(privateKey);
  // The file's x must be the key's: a file whose halves disagree would sign what nobody verifies.
  const x = publicKey.export({ format: 'jwk' }).x;
  if (x !== priv.x)
    throw unreadable(file, 'its public half (x) is not the public key of its private half (d)');
  const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: priv.x }, 'sha256');
  const kid = `site:${site}:${thumbprint.slice(0, 16)}`;
  const jwk = SiteKeyJwkSchema.parse({
    kty: 'OKP',
    crv: 'Ed25519',
    x: priv.x,
    kid,
    alg: 'EdDSA',
    use: 'sig',
  });
  return { kid, privateKey, publicKey, jwk, file, created };
}

function readKeyFile(file: string): Buffer {
  const st = statSync(file);
  if (!st.isFile()) throw unreadable(file, 'not a regular file');
  if (st.size > MAX_KEY_FILE_BYTES) throw unreadable(file, `larger than ${MAX_KEY_FILE_BYTES} bytes`);
  return readFileSync(file);
}

/**
 * Writes a new key file, mode 0600, so that a power cut leaves no file or the whole one: a temp
 * file written and fsynced, then hard-linked to its name (which fails if another start made it
 * first: that one is read instead), the directory fsynced. False when the file appeared meanwhile.
 */
function createOnce(file: string, text: string): boolean {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    unlinkSync(tmp); // left by a start that died here: its mode is not to be trusted
  } catch {
    // none
  }
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unreadable(file, `cannot be written: ${errorMessage(e)}`);
  } finally {
    unlinkSync(tmp);
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  return true;
}

function unreadable(file: string, why: string): GatepostError {
  return new GatepostError(
    ErrorCode.SiteKeyUnreadable,
    `site key ${file}: ${why}; the gateway will not make a new one (every card issued so far would stop verifying): restore the file, or delete it to start with a new key`,
    { path: file },
  );
}
