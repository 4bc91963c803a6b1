import { verify } from 'node:crypto';
import { base64url } from 'jose';
import { z } from 'zod';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { type PassFacts, type ReasonCode, type Verdict, VerdictBuilder } from './verdict.ts';
import type { ResolvedVerifyContext } from './verify-context.ts';

/** The native pass: `GP1:` + JWS compact serialization, EdDSA over Ed25519 (devices.md §1). */

export const GP1_PREFIX = 'GP1:';

const epochSeconds = z.number().int().nonnegative();

/** The claims of a GP1 pass. Unknown claims are allowed and ignored. */
export const Gp1ClaimsSchema = z.object({
  plate: z.string().min(1).max(32),
  sub: z.string().min(1).max(128),
  name: z.string().min(1).max(200).optional(),
  color: z.enum(['green', 'yellow', 'red']),
  test: z
    .object({
      kind: z.enum(['antigen', 'pcr']),
      result: z.enum(['negative', 'positive']),
      at: epochSeconds,
    })
    .optional(),
  origin: z.string().min(1).max(32).optional(),
  dest: z.string().min(1).max(32).optional(),
  iat: epochSeconds,
  exp: epochSeconds,
});
export type Gp1Claims = z.infer<typeof Gp1ClaimsSchema>;

interface ParsedJws {
  /** The JWS signing input: the protected header and the payload, base64url, joined by a dot. */
  readonly signingInput: Buffer;
  readonly signature: Uint8Array;
  readonly alg: string;
  readonly kid: string;
  readonly payload: unknown;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/**
 * A GP1 header and payload nest 2 levels; JSON deeper than 16 is refused before it is parsed
 * (core/bounded-json.ts: size, strict UTF-8, depth, then JSON.parse). The size is the code's.
 */
const JSON_BUDGET = { maxBytes: 8 * 1024, maxDepth: 16 };

/**
 * The one base64url spelling of the bytes: no padding, and no bits set in the unused low bits of
 * the last character (RFC 4648 §3.5, RFC 7515 §2). Another spelling of the same bytes is refused,
 * so one signed pass has one code.
 */
function decodeCanonicalBase64url(segment: string): Uint8Array | undefined {
  const bytes = base64url.decode(segment);
  return base64url.encode(bytes) === segment ? bytes : undefined;
}

/**
 * Splits and decodes the JWS: a JSON header with `alg` and `kid`, and a JSON payload. A header
 * that names critical extensions (`crit`) or an unencoded payload (`b64`, RFC 7797) is refused:
 * a GP1 pass uses neither, and a verifier must not pass what it does not understand.
 */
function parseJws(compact: string): ParsedJws | undefined {
  const parts = compact.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const [hb, pb, signature] = [h, p, s].map(decodeCanonicalBase64url);
    if (!hb || !pb || !signature) return undefined;
    const headerJson = parseBoundedJson(hb, JSON_BUDGET);
    const payloadJson = parseBoundedJson(pb, JSON_BUDGET);
    if (!headerJson.ok || !payloadJson.ok) return undefined;
    const header = headerJson.value;
    const payload = payloadJson.value;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    const { alg, kid } = header as Record<string, unknown>;
    if (typeof alg !== 'string' || typeof kid !== 'string' || kid === '') return undefined;
    if ('crit' in header || 'b64' in header) return undefined;
    const signingInput = Buffer.from(`${h}.${p}`, 'ascii');
    return { signingInput, signature, alg, kid, payload };
  } catch {
    return undefined;
  }
}

/** Verifies a GP1 pass. iat and exp are checked with the context's clock skew. */
export async function verifyGp1(code: string, ctx: ResolvedVerifyContext): Promise<Verdict> {
  try {
    return await runGp1(code, ctx);
  } catch {
    return new VerdictBuilder('GP1').reason('internal-error').finish();
  }
}

async function runGp1(code: string, ctx: ResolvedVerifyContext): Promise<Verdict> {
  const v = new VerdictBuilder('GP1');
  if (!v.check('unprefix', code.startsWith(GP1_PREFIX), 'bad-prefix')) return v.finish();
  if (code.length > ctx.maxCodeLength) return v.fail('decode', 'too-long').finish();
  const jws = parseJws(code.slice(GP1_PREFIX.length));
  if (!jws) return v.fail('decode', 'bad-jws').finish();
  v.pass('decode');

  const claims = Gp1ClaimsSchema.safeParse(jws.payload);
  if (claims.success) v.facts = gp1Facts(claims.data);

  const signature = await checkSignature(jws, ctx);
  v.check('signature', signature === undefined, signature ?? 'bad-signature');

  const expiry = checkExpiry(jws.payload, ctx);
  v.check('expiry', expiry.length === 0, ...expiry);

  v.check('schema', claims.success, 'bad-claims');
  return v.finish();
}

/** Undefined when a trusted key with the pass's kid verifies it, else the reason. */
async function checkSignature(jws: ParsedJws, ctx: ResolvedVerifyContext): Promise<ReasonCode | undefined> {
  if (!ctx.trust.available) return 'untrusted';
  if (jws.alg !== 'EdDSA' && jws.alg !== 'Ed25519') return 'unsupported-alg';
  const keys = ctx.trust.gp1Keys.get(jws.kid);
  if (!keys || keys.length === 0) return 'unknown-kid';
  // Node's Ed25519 verify, synchronous (~0.1 ms): WebCrypto's would wait for a thread of libuv's
  // pool, which the serial ports' reads keep busy, and hold up the lane's decision.
  if (jws.signature.length !== 64) return 'bad-signature';
  for (const key of keys) {
    try {
      if (verify(null, jws.signingInput, key, jws.signature)) return undefined;
    } catch {
      // try the next key with this kid
    }
  }
  return 'bad-signature';
}

/** iat and exp (epoch seconds) against the verification time, each with the tolerated skew. */
function checkExpiry(payload: unknown, ctx: ResolvedVerifyContext): ReasonCode[] {
  const claims = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  const { iat, exp } = claims;
  if (typeof exp !== 'number' || typeof iat !== 'number') return ['no-expiry'];
  const now = ctx.at / 1000;
  const skew = ctx.clockSkewSeconds;
  const reasons: ReasonCode[] = [];
  if (now > exp + skew) reasons.push('expired');
  if (iat > now + skew) reasons.push('not-yet-valid');
  return reasons;
}

function gp1Facts(claims: Gp1Claims): PassFacts {
  const facts: PassFacts = {
    plate: claims.plate,
    subject: claims.sub,
    color: claims.color,
    tests: claims.test
      ? [{ kind: claims.test.kind, result: claims.test.result, at: claims.test.at * 1000 }]
      : [],
    certificateType: 'native',
    issuedAt: claims.iat * 1000,
    expiresAt: claims.exp * 1000,
  };
  if (claims.name !== undefined) facts.name = claims.name;
  if (claims.origin !== undefined) facts.origin = claims.origin;
  if (claims.dest !== undefined) facts.destination = claims.dest;
  return facts;
}
