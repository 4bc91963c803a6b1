import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import { decodeUtf8Strict, readFileCapped } from '../core/read-file-capped.ts';

/**
 * Short-lived MQTT tokens for the web pages: `gpt1.<kid>.<claims>.<mac>`, where claims is
 * base64url JSON and mac is HMAC-SHA256 over `gpt1.<kid>.<claims>` with the secret named by kid.
 * A page connects with username = the token's `sub` and password = the token; the broker checks
 * the MAC (constant time), the expiry and the name before it reads anything else.
 *
 * Secrets come from a file, one per line (at least 32 characters; `#` lines are comments): the
 * first line signs, every line verifies, so a new secret can be put first and the old one kept
 * below it until the tokens it signed have expired. Without a file the broker makes a random
 * secret at start, good for pages served by the same process only.
 */
const TOKEN_PREFIX = 'gpt1';
const MAX_TOKEN_CHARS = 2048;
const MIN_SECRET_CHARS = 32;
/** Tokens issued a little in the future (clock skew between boxes of a cluster) are still taken. */
const SKEW_SECONDS = 60;

export interface TokenOptions {
  /** Secrets file (one per line, the first signs); without it a random secret for this process. */
  secretFile?: string;
  ttlSeconds: number;
  /** A person signs in again with their PIN after this long, however often the token was refreshed. */
  maxSessionHours: number;
}

export const DEFAULT_TOKEN_OPTIONS: TokenOptions = { ttlSeconds: 900, maxSessionHours: 12 };

export interface TokenKey {
  kid: string;
  key: Buffer;
}

export interface TokenKeyring {
  signing: TokenKey;
  keys: ReadonlyMap<string, Buffer>;
}

export const TokenClaimsSchema = z
  .object({
    sub: z.string().min(1).max(64),
    role: z.string().min(1).max(32),
    lane: z.string().min(1).max(32).optional(),
    iat: z.number().int().describe('Issued at, epoch seconds'),
    exp: z.number().int().describe('Expires at, epoch seconds'),
    auth: z.number().int().describe('When the person signed in with their PIN, epoch seconds'),
  })
  .strict();
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

const kidOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function keyringFrom(secrets: readonly string[]): TokenKeyring {
  const keys = secrets.map((s) => {
    const key = Buffer.from(s, 'utf8');
    return { kid: kidOf(key), key };
  });
  const signing = keys[0];
  if (!signing) throw new GatepostError(ErrorCode.ConfigInvalid, 'a token keyring needs at least one secret');
  return { signing, keys: new Map(keys.map((k) => [k.kid, k.key])) };
}

/** A random secret for this process only. */
export function ephemeralKeyring(): TokenKeyring {
  return keyringFrom([randomBytes(32).toString('base64url')]);
}

export function loadKeyring(file: string): TokenKeyring {
  let text: string;
  try {
    // Capped while reading, regular files only: a few lines of secrets, never /dev/zero.
    text = decodeUtf8Strict(readFileCapped(file, 64 * 1024));
  } catch (e) {
    throw new GatepostError(
      ErrorCode.ConfigUnreadable,
      `cannot read token secret file ${file}: ${errorMessage(e)}`,
    );
  }
  const secrets = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (!secrets.length || secrets.some((s) => s.length < MIN_SECRET_CHARS)) {
    throw new GatepostError(
      ErrorCode.ConfigInvalid,
      `token secret file ${file}: needs one secret per line, each at least ${MIN_SECRET_CHARS} characters ` +
        `(e.g. \`openssl rand -base64 48 > ${file}\`)`,
    );
  }
  return keyringFrom(secrets);
}

const mac = (key: Buffer, signed: string) => createHmac('sha256', key).update(signed).digest();

export function mintToken(keyring: TokenKeyring, claims: TokenClaims): string {
  const body = Buffer.from(JSON.stringify(TokenClaimsSchema.parse(claims))).toString('base64url');
  const signed = `${TOKEN_PREFIX}.${keyring.signing.kid}.${body}`;
  return `${signed}.${mac(keyring.signing.key, signed).toString('base64url')}`;
}

export function looksLikeToken(password: string): boolean {
  return password.startsWith(`${TOKEN_PREFIX}.`);
}

/** Checks a token's MAC, shape and times; `nowMs` is wall-clock time. */
export function verifyToken(keyring: TokenKeyring, token: string, nowMs: number): TokenCheck {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'token too long' };
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX) return { ok: false, reason: 'not a token' };
  const [, kid = '', body = '', sig = ''] = parts;
  const key = keyring.keys.get(kid);
  if (!key) return { ok: false, reason: 'token signed with an unknown or retired secret' };
  const expected = mac(key, `${TOKEN_PREFIX}.${kid}.${body}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'token signature does not match' };
  }
  let claims: TokenClaims;
  try {
    const parsed = TokenClaimsSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success) return { ok: false, reason: 'token claims malformed' };
    claims = parsed.data;
  } catch {
    return { ok: false, reason: 'token claims malformed' };
  }
  const now = Math.floor(nowMs / 1000);
  if (claims.exp <= now) return { ok: false, reason: 'token expired' };
  if (claims.iat > now + SKEW_SECONDS) return { ok: false, reason: 'token issued in the future' };
  return { ok: true, claims };
}
