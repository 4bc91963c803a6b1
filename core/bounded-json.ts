import { ErrorCode, GatepostError } from './errors.ts';
/** What one JSON input may cost: its size in bytes and how deep its arrays and objects nest. */
export interface JsonBudget {
  maxBytes: number;
  maxDepth: number;
  /**
   * At most this many items: array elements and object members, counted by their commas (a
   * schema check then costs no more than this many values, whatever they are).
   */
  maxItems?: number;
}

export type BoundedJson = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Parses untrusted JSON within a budget, checking, in this order and each before any work that
 * grows with what follows: the byte size, strict UTF-8 (never U+FFFD in place of bad bytes), the
 * nesting depth and the number of items (one linear scan, no recursion), then JSON.parse. The
 * error is plain words to follow the input's name ("request is too large (...)"); it never
 * quotes the input.
 */
export function parseBoundedJson(bytes: Uint8Array, budget: JsonBudget): BoundedJson {
  if (bytes.length > budget.maxBytes) {
    return { ok: false, error: `is too large (${bytes.length} bytes, at most ${budget.maxBytes})` };
  }
  let text: string;
  try {
    text = decodeUtf8Strict(bytes);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const maxItems = budget.maxItems ?? Number.POSITIVE_INFINITY;
  const shape = jsonShape(text, budget.maxDepth, maxItems);
  if (shape.depth > budget.maxDepth) {
    return { ok: false, error: `is nested deeper than ${budget.maxDepth} levels` };
  }
  if (shape.items > maxItems) {
    return { ok: false, error: `has more than ${maxItems} items` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'is not valid JSON' };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly: bytes that are not UTF-8 are an error, never U+FFFD. Browser-safe. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new GatepostError(ErrorCode.PayloadInvalid, 'is not valid UTF-8 text');
  }
}

/**
 * The deepest nesting of `[` and `{` outside strings, counting no further than `limit + 1`.
 * Malformed text gets some number; JSON.parse rejects it afterwards.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  return jsonShape(text, limit, Number.POSITIVE_INFINITY).depth;
}

/**
 * The deepest nesting (as jsonDepth) and the number of items: the commas outside strings, plus
 * one for each array or object that is not empty. One scan that stops once past either limit.
 */
export function jsonShape(
  text: string,
  depthLimit: number,
  itemLimit: number,
): { depth: number; items: number } {
  let depth = 0;
  let max = 0;
  let items = 0;
  let inString = false;
  /** Whether the innermost open array or object has no item yet. */
  let empty = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (empty && c !== 0x5d && c !== 0x7d) {
      // The first item of the array or object just opened.
      empty = false;
      if (++items > itemLimit) break;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      empty = true;
      if (depth > max) {
        max = depth;
        if (max > depthLimit) break;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      empty = false;
    } else if (c === 0x2c && ++items > itemLimit) break;
  }
  return { depth: max, items };
}
