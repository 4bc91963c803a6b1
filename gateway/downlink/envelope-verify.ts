import { createPublicKey, type KeyObject } from 'node:crypto';
import { base64url, compactVerify, errors } from 'jose';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { errorMessage } from '../../core/errors.ts';
import type { CentralKey } from '../../site-config/downlink-config.ts';
import {
  DOWNLINK_JWS_TYPE,
  type DownlinkClaims,
  DownlinkClaimsSchema,
  type RefusalReason,
} from './envelope.ts';

/** A JWS header is a handful of fields; its JSON may not nest. */
const HEADER_BUDGET = { maxBytes: 1024, maxDepth: 2 };
/** The claims nest two levels; a trust list inside the payload a few more. */
const PAYLOAD_MAX_DEPTH = 16;

export type OpenedEnvelope =
  | { ok: true; claims: DownlinkClaims; kid: string }
  | { ok: false; reason: RefusalReason; message: string; claims?: Partial<DownlinkClaims> };

/** The pinned central keys, by kid, as public key objects. */
export class CentralKeyRing {
  private readonly keys = new Map<string, KeyObject>();

  constructor(pinned: readonly CentralKey[]) {
    for (const k of pinned) {
      this.keys.set(k.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' }));
    }
  }

  get(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }

  get size(): number {
    return this.keys.size;
  }
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Checks what a downlink message is, in order, each before the work that follows: its size, a
 * compact JWS (else `unsigned`), its header (`EdDSA`/`Ed25519`, our `typ`, a pinned `kid`), the
 * signature, then the claims' schema. Time, site, kind and version are the caller's checks.
 */
export async function openEnvelope(
  bytes: Buffer,
  ring: CentralKeyRing,
  maxBytes: number,
): Promise<OpenedEnvelope> {
  if (bytes.length > maxBytes)
    return { ok: false, reason: 'too-large', message: `${bytes.length} bytes, at most ${maxBytes}` };
  const text = bytes.toString('latin1');
  const parts = text.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)) || parts[2] === '')
    return { ok: false, reason: 'unsigned', message: 'not a JWS in compact serialization' };
  const header = readHeader(parts[0] ?? '');
  if (!header) return { ok: false, reason: 'unsigned', message: 'the JWS header is not readable' };
  if (header.alg === 'none') return { ok: false, reason: 'unsigned', message: 'alg none' };
  if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519')
    return { ok: false, reason: 'unsupported-alg', message: `alg ${String(header.alg).slice(0, 20)}` };
  if (header.typ !== DOWNLINK_JWS_TYPE)
    return { ok: false, reason: 'malformed', message: `typ must be ${DOWNLINK_JWS_TYPE}` };
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const key = ring.get(kid);
  if (!key)
    return {
      ok: false,
      reason: 'unknown-key',
      message: `kid "${kid.slice(0, 64)}" is not a pinned central key`,
      claims: unverifiedClaims(parts[1] ?? '', maxBytes),
    };
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(text, key, { algorithms: ['EdDSA', 'Ed25519'] }));
    // A large envelope is opened over several turns of the event loop: the lanes run between.
    await nextTurn();
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed)
      return {
        ok: false,
        reason: 'bad-signature',
        message: 'the signature does not verify',
        claims: unverifiedClaims(parts[1] ?? '', maxBytes),
      };
    return { ok: false, reason: 'malformed', message: errorMessage(e).slice(0, 200) };
  }
  const json = parseBoundedJson(payload, { maxBytes, maxDepth: PAYLOAD_MAX_DEPTH });
  if (!json.ok) return { ok: false, reason: 'malformed', message: `payload ${json.error}` };
  const claims = DownlinkClaimsSchema.safeParse(json.value);
  if (!claims.success) {
    const issue = claims.error.issues[0];
    return {
      ok: false,
      reason: 'malformed',
      message: `${issue?.path.join('.') || 'claims'}: ${issue?.message ?? 'invalid'}`,
      claims: partialClaims(json.value),
    };
  }
  return { ok: true, claims: claims.data, kid };
}

/** Lets the event loop run what waits (timers, I/O) before the next step of a large envelope. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function readHeader(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed = parseBoundedJson(base64url.decode(segment), HEADER_BUDGET);
    if (
      !parsed.ok ||
      typeof parsed.value !== 'object' ||
      parsed.value === null ||
      Array.isArray(parsed.value)
    )
      return undefined;
    const header = parsed.value as Record<string, unknown>;
    // Nothing we do not understand: critical extensions or an unencoded payload (RFC 7797).
    if ('crit' in header || 'b64' in header) return undefined;
    return header;
  } catch {
    return undefined;
  }
}

/** Of an unverified payload, only this much is read (base64url characters: 6 KiB of JSON). */
const UNVERIFIED_HEAD_CHARS = 8192;

/**
 * The id, kind and version an unverified envelope claims, only to key its ack (the centre finds
 * out which of its envelopes, or which forgery of one, was refused); nothing else is read. A
 * forgery is not worth parsing whole: a small payload is parsed, a large one only searched for
 * the three fields in its first 6 KiB (the centre writes them first).
 */
function unverifiedClaims(segment: string, maxBytes: number): Partial<DownlinkClaims> {
  try {
    if (segment.length <= UNVERIFIED_HEAD_CHARS) {
      const json = parseBoundedJson(base64url.decode(segment), { maxBytes, maxDepth: PAYLOAD_MAX_DEPTH });
      return json.ok ? partialClaims(json.value) : {};
    }
    const head = Buffer.from(base64url.decode(segment.slice(0, UNVERIFIED_HEAD_CHARS))).toString('utf8');
    const str = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{1,64})"`).exec(head)?.[1];
    const num = (name: string) => new RegExp(`"${name}"\\s*:\\s*(\\d{1,16})\\b`).exec(head)?.[1];
    const version = num('version');
    return partialClaims({ id: str('id'), kind: str('kind'), version: version && Number(version) });
  } catch {
    return {};
  }
}

/** The id, kind and version of claims that fail the schema, when they can be read, for the ack. */
function partialClaims(value: unknown): Partial<DownlinkClaims> {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const shape = DownlinkClaimsSchema.shape;
  const out: Partial<DownlinkClaims> = {};
  const id = shape.id.safeParse(v.id);
  if (id.success) out.id = id.data;
  const kind = shape.kind.safeParse(v.kind);
  if (kind.success) out.kind = kind.data;
  const version = shape.version.safeParse(v.version);
  if (version.success) out.version = version.data;
  return out;
}
