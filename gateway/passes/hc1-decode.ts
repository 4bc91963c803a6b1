import { inflateSync } from 'node:zlib';
import base45 from 'base45';
import { Decoder, Tag } from 'cbor-x';
import { scanCbor } from './cbor-budget.ts';
import type { ReasonCode } from './verdict.ts';

/**
 * The decoding half of HC1 (EU DCC): base45, zlib, COSE_Sign1 and the CWT claims. Each function
 * returns a result, never throws: a failure names its reason code.
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: ReasonCode };

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const fail = (reason: ReasonCode): Decoded<never> => ({ ok: false, reason });

/**
 * Maps decode as `Map`s so integer keys (COSE, CWT) stay integers. Every input is checked by
 * scanCbor (cbor-budget.ts) first: the extensions cbor-x would otherwise honour (shared
 * references, packing, records) never reach it.
 */
const cbor = new Decoder({
  mapsAsObjects: false,
  useRecords: false,
  structuredClone: false,
  bundleStrings: false,
  sequential: false,
});

/** Decodes one CBOR item that has passed the budget scan; the reason when it fails either. */
function decodeBounded(data: Uint8Array, reason: ReasonCode): Decoded<unknown> {
  if (!scanCbor(data).ok) return fail('cbor-budget');
  try {
    return ok(cbor.decode(data));
  } catch {
    return fail(reason);
  }
}

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

/**
 * zlib inflate, refusing to produce more than `maxBytes` (zlib stops there, it does not inflate
 * the rest first), and refusing bytes after the end of the zlib stream: a pass is one stream.
 */
export function inflate(data: Buffer, maxBytes: number): Decoded<Buffer> {
  try {
    const { buffer, engine } = inflateSync(data, { maxOutputLength: maxBytes, info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    return engine.bytesWritten === data.length ? ok(buffer) : fail('bad-compression');
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
  const decoded = decodeBounded(data, 'bad-cose');
  if (!decoded.ok) return decoded;
  let value = decoded.value;
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
    const header = decodeBounded(protectedBytes, 'bad-cose');
    if (!header.ok) return header;
    protectedHeader = header.value;
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
  const decoded = decodeBounded(payload, 'bad-cwt');
  if (!decoded.ok) return decoded;
  const claims = decoded.value;
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
 * other tags, non-text keys, nesting beyond MAX_JSON_DEPTH) is kept as is and fails the schema.
 * The input is a tree (scanCbor lets no shared reference through), so this is linear in it.
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
