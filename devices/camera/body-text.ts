import { jsonDepth } from '../../core/bounded-json.ts';
import { readXml } from './xml-document.ts';

/** A camera body's document, or why it is refused (plain words; never quotes the body). */
export type ParsedBody =
  | { ok: true; format: 'xml' | 'json'; value: unknown; encoding: BodyEncoding }
  | { ok: false; kind: 'bad-encoding' | 'malformed' | 'too-deep'; message: string };

export type BodyEncoding = 'utf-8' | 'gbk';

/** Deepest nesting accepted in a camera's XML or JSON (an ISAPI alert nests 5 or 6 deep). */
export const MAX_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Made on first use: building a GB18030 decoder loads ICU's converter, a cost at every start. */
let gb18030: TextDecoder | undefined;
const gbDecoder = () => {
  gb18030 ??= new TextDecoder('gb18030', { fatal: true });
  return gb18030;
};

/** GB2312, GBK and GB18030 all decode as GB18030 (a superset of the other two). */
const GB_LABELS = /^(gb2312|gbk|gb18030|x-gbk|cp936|euc-cn|csgb2312|chinese)$/i;

/**
 * The text of a camera's bytes. The charset the part or request declares, or the XML
 * declaration's `encoding`, wins; else strict UTF-8, and bytes that are not UTF-8 are tried as
 * GBK (Chinese-market firmware sends GB2312 without saying so). Never U+FFFD in place of bad bytes.
 */
export function decodeBody(
  bytes: Uint8Array,
  declared?: string,
): { text: string; encoding: BodyEncoding } | undefined {
  let body = bytes;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  const head = Buffer.from(body.subarray(0, 128)).toString('latin1');
  const xmlEncoding = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_-]+)["']/.exec(head)?.[1];
  const label = declared ?? xmlEncoding;
  const order: BodyEncoding[] = label && GB_LABELS.test(label) ? ['gbk', 'utf-8'] : ['utf-8', 'gbk'];
  for (const encoding of order) {
    try {
      return { text: (encoding === 'gbk' ? gbDecoder() : utf8).decode(body), encoding };
    } catch {
      // the next encoding
    }
  }
  return undefined;
}

/**
 * Parses a camera's body, XML or JSON (by its first character), within the depth budget and
 * without entity definitions: a document type declaration (`<!DOCTYPE`, the door to entity
 * expansion) is refused outright; XML is read by xml-document.ts (only the five predefined
 * entities and character references are decoded, any other entity is malformed).
 */
export function parseBody(bytes: Uint8Array, declaredCharset?: string): ParsedBody {
  const decoded = decodeBody(bytes, declaredCharset);
  if (!decoded) return { ok: false, kind: 'bad-encoding', message: 'body is neither UTF-8 nor GBK' };
  const text = decoded.text.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    if (jsonDepth(text, MAX_DEPTH) > MAX_DEPTH)
      return { ok: false, kind: 'too-deep', message: `JSON nested deeper than ${MAX_DEPTH} levels` };
    try {
      return { ok: true, format: 'json', value: JSON.parse(text) as unknown, encoding: decoded.encoding };
    } catch {
      return { ok: false, kind: 'malformed', message: 'body is not valid JSON' };
    }
  }
  if (!text.startsWith('<')) return { ok: false, kind: 'malformed', message: 'body is neither XML nor JSON' };
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    return { ok: false, kind: 'malformed', message: 'XML with a document type declaration is refused' };
  const read = readXml(text, MAX_DEPTH);
  if (read.ok) return { ok: true, format: 'xml', value: read.value, encoding: decoded.encoding };
  return read.kind === 'too-deep'
    ? { ok: false, kind: 'too-deep', message: `XML nested deeper than ${MAX_DEPTH} levels` }
    : {
        ok: false,
        kind: 'malformed',
        message: `body is not well-formed XML${read.line !== undefined ? ` (line ${read.line})` : ''}`,
      };
}

/** An object's field, case-insensitively (cameras differ: `licensePlate`, `LicensePlate`). */
export function field(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const rec = value as Record<string, unknown>;
  if (Object.hasOwn(rec, name)) return rec[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}

/** A text field (a number is written out); `undefined` for anything else or an empty string. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t === '' ? undefined : t;
}

/**
 * A camera's name for something (an event type, an event id): printable ASCII without spaces,
 * at most 64 characters, else `undefined`. Such names go into records, health reasons and the
 * camera's answer: control characters, bidi overrides and megabytes of text do not.
 */
export function identifier(value: unknown): string | undefined {
  const t = text(value);
  return t !== undefined && IDENTIFIER.test(t) ? t : undefined;
}
const IDENTIFIER = /^[\x21-\x7e]{1,64}$/;

/** A number field, written as a number or as text (`36.8`, `"36.8"`). */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const t = text(value);
  if (t === undefined || !/^[-+]?\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** The first object of a field that may be one object or a list of them (XML repeats). */
export function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}
