import { inflateSync } from 'node:zlib';
import base45 from 'base45';
import { Decoder, Tag } from 'cbor-x';
import type { ReasonCode } from './verdict.ts';

/**
 * The decoding half of HC1 (EU DCC): base45, zlib, COSE_Sign1 and the CWT claims. Each function
 * returns a result, never throws: a failure names its reason code.
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: ReasonCode };

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const fail = (reason: ReasonCode): Decoded<never> => ({ ok: false, reason });

/** Maps decode as `Map`s so integer keys (COSE, CWT) stay integers. */
const cbor = new Decoder({ mapsAsObjects: false, useRecords: false });

const BASE45 = /^[0-9A-Z $%*+\-./:]*$/;

/**
 * Strict base45 (RFC 9285): only the 45 characters, no dangling single character, and no
 * group above its range. The library decodes anything, so a valid string must also encode
 * back to itself (the encoding of a byte string is unique).
 */
export function decodeBase45(text: string): Decoded<Buffer> {
  if (!BASE45.test(text) || text.length % 3 === 1) return fail('bad-base45');
  const bytes = base45.decode(text);
  return base45.encode(bytes) === text ? ok(bytes) : fail('bad-base45');
}

/** zlib inflate, refusing to produce more than `maxBytes`. */
export function inflate(data: Buffer, maxBytes: number): Decoded<Buffer> {
  try {
    return ok(inflateSync(data, { maxOutputLength: maxBytes }));
  } catch (e) {
    return fail(
      (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'bad-compression',
    );
  }
}

type HeaderMap = ReadonlyMap<unknown, unknown>;

export interface CoseSign1 {
  /** The protected header exactly as signed. */
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: HeaderMap;
  readonly unprotectedHeader: HeaderMap;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

const COSE_SIGN1_TAG = 18;
const CWT_TAG = 61;

/** COSE_Sign1, tagged 18 or untagged, optionally wrapped in the CWT tag 61. */
export function decodeCoseSign1(data: Uint8Array): Decoded<CoseSign1> {
  let value: unknown;
  try {
    value = cbor.decode(data);
  } catch {
    return fail('bad-cose');
  }
  if (value instanceof Tag && value.tag === CWT_TAG) value = value.value;
  if (value instanceof Tag && value.tag === COSE_SIGN1_TAG) value = value.value;
  if (!Array.isArray(value) || value.length !== 4) return fail('bad-cose');
  const [protectedBytes, unprotectedHeader, payload, signature] = value as unknown[];
  if (
    !isBytes(protectedBytes) ||
    !(unprotectedHeader instanceof Map) ||
    !isBytes(payload) ||
    !isBytes(signature)
  ) {
    return fail('bad-cose');
  }
  let protectedHeader: unknown = new Map();
  if (protectedBytes.length > 0) {
    try {
      protectedHeader = cbor.decode(protectedBytes);
    } catch {
      return fail('bad-cose');
    }
  }
  if (!(protectedHeader instanceof Map)) return fail('bad-cose');
  return ok({ protectedBytes, protectedHeader, unprotectedHeader, payload, signature });
}

export interface Cwt {
  readonly issuer?: string;
  /** Epoch seconds. */
  readonly issuedAt?: number;
  readonly expiresAt?: number;
  /** The DCC payload (hcert claim -260, key 1), converted to plain JSON values. */
  readonly dcc: Record<string, unknown>;
}

const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_HCERT = -260;
const HCERT_EU_DCC = 1;

/** The CWT claims of the payload: a map with the hcert claim holding the DCC. */
export function decodeCwt(payload: Uint8Array): Decoded<Cwt> {
  let claims: unknown;
  try {
    claims = cbor.decode(payload);
  } catch {
    return fail('bad-cwt');
  }
  if (!(claims instanceof Map)) return fail('bad-cwt');
  const hcert = claims.get(CLAIM_HCERT);
  const dcc = hcert instanceof Map ? toJson(hcert.get(HCERT_EU_DCC)) : undefined;
  if (!isPlainObject(dcc)) return fail('bad-cwt');
  const iss = claims.get(CLAIM_ISS);
  const iat = numericDate(claims.get(CLAIM_IAT));
  const exp = numericDate(claims.get(CLAIM_EXP));
  if ((iss !== undefined && typeof iss !== 'string') || iat === null || exp === null) return fail('bad-cwt');
  return ok({ issuer: iss, issuedAt: iat, expiresAt: exp, dcc });
}

/** A CWT NumericDate: undefined when absent, null when present but not a number. */
function numericDate(v: unknown): number | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A DCC nests four levels deep; anything deeper is left unconverted and fails the schema. */
const MAX_JSON_DEPTH = 16;

/**
 * CBOR to the JSON data model, for schema validation: maps with text keys become objects,
 * tagged dates (tags 0 and 1) become RFC 3339 text. Anything JSON cannot hold (byte strings,
 * other tags, non-text keys, nesting beyond MAX_JSON_DEPTH, such as the cycles CBOR's shared
 * references can build) is kept as is and fails the schema.
 */
function toJson(v: unknown, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) return v;
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, inner] of v) {
      if (typeof k !== 'string') return v;
      // defineProperty: a "__proto__" key stays a plain property.
      Object.defineProperty(out, k, { value: toJson(inner, depth + 1), enumerable: true, writable: true });
    }
    return out;
  }
  if (Array.isArray(v)) return v.map((item) => toJson(item, depth + 1));
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'invalid date' : v.toISOString();
  if (typeof v === 'bigint' && Number.isSafeInteger(Number(v))) return Number(v);
  return v;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
