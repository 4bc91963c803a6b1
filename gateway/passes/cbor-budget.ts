/**
 * A bounded pre-scan of raw CBOR (RFC 8949), run before any CBOR of a scanned code is decoded.
 * It walks the encoding once, iteratively, without building anything, and refuses what a
 * decoder could be made to spend more than linear work or memory on:
 *
 * - any tag outside a short allow-list: the value-sharing tags 28/29 (a 211-character code
 *   built a DAG that expanded to 4^14 nodes), cbor-x's packing, record, set, typed-array and
 *   "generic object" tags, big numbers (quadratic to build), and anything else an HC1 pass
 *   does not use;
 * - nesting deeper than `maxDepth`, more than `maxItems` data items;
 * - a declared length (string bytes, array or map entries) that the remaining input cannot
 *   hold, so no decoder allocates for a length it will never read;
 * - bytes after the one top-level item, and malformed encodings (reserved additional
 *   information, an indefinite-length string made of chunks of another type, a stray break).
 *
 * The work is O(input length): every step consumes at least one byte.
 */

export interface CborBudget {
  /** Deepest nesting of arrays, maps and tags; the top-level item is depth 1. */
  readonly maxDepth: number;
  /** Most data items in all (every array, map, key, value, string, number and tag counts). */
  readonly maxItems: number;
  /** Tags the data may carry. */
  readonly allowedTags: ReadonlySet<number>;
}

/**
 * What an HC1 pass needs: COSE_Sign1 (18), CWT (61), the date tags 0 and 1 (a CWT claim or a
 * DCC field may carry them) and the self-describe tag 55799. A DCC nests 5 levels inside its
 * CWT and holds well under 100 items.
 */
export const HC1_CBOR_BUDGET: CborBudget = {
  maxDepth: 16,
  maxItems: 2048,
  allowedTags: new Set([0, 1, 18, 61, 55799]),
};

export type CborScan = { ok: true; items: number } | { ok: false; problem: string };

interface Frame {
  /** Items still to read in this container; Infinity for an indefinite-length one. */
  remaining: number;
  /** For an indefinite-length string: the major type its chunks must have. */
  chunksOf?: number;
}

/** Checks that `data` is exactly one well-formed CBOR item within `budget`. Never throws. */
export function scanCbor(data: Uint8Array, budget: CborBudget = HC1_CBOR_BUDGET): CborScan {
  const end = data.length;
  let pos = 0;
  let items = 0;
  // Containers being read; the bottom frame is the top level, which holds exactly one item.
  const stack: Frame[] = [{ remaining: 1 }];
  const fail = (problem: string): CborScan => ({ ok: false, problem: `${problem} at byte ${pos}` });

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.remaining === 0) {
      stack.pop();
      continue;
    }
    if (pos >= end) return fail('truncated');
    const initial = data[pos] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;

    if (initial === 0xff) {
      if (frame.remaining !== Number.POSITIVE_INFINITY) return fail('unexpected break');
      pos++;
      stack.pop();
      continue;
    }
    if (frame.chunksOf !== undefined && (major !== frame.chunksOf || info === 31)) {
      return fail('bad chunk in an indefinite-length string');
    }
    if (++items > budget.maxItems) return fail(`more than ${budget.maxItems} items`);
    frame.remaining--;
    pos++;

    // The argument: the value, length or count of the item.
    let arg: number;
    if (info < 24) arg = info;
    else if (info <= 27) {
      const size = 1 << (info - 24);
      if (pos + size > end) return fail('truncated');
      arg = 0;
      for (let i = 0; i < size; i++) arg = arg * 256 + (data[pos + i] as number);
      pos += size;
    } else if (info === 31) arg = -1;
    else return fail('reserved additional information');

    const depth = stack.length; // the new item's depth, were it a container
    switch (major) {
      case 0:
      case 1:
        if (arg < 0) return fail('indefinite integer');
        break;
      case 2:
      case 3:
        if (arg < 0) {
          stack.push({ remaining: Number.POSITIVE_INFINITY, chunksOf: major });
          if (stack.length - 1 > budget.maxDepth) return fail(`deeper than ${budget.maxDepth}`);
        } else {
          if (arg > end - pos) return fail('string longer than the input');
          pos += arg;
        }
        break;
      case 4:
      case 5: {
        if (depth > budget.maxDepth) return fail(`deeper than ${budget.maxDepth}`);
        if (arg < 0) {
          stack.push({ remaining: Number.POSITIVE_INFINITY });
          break;
        }
        const count = major === 5 ? arg * 2 : arg;
        // Every item takes at least one byte.
        if (count > end - pos) return fail('more entries declared than the input holds');
        stack.push({ remaining: count });
        break;
      }
      case 6:
        if (arg < 0) return fail('indefinite tag');
        if (!budget.allowedTags.has(arg)) return fail(`tag ${arg} not allowed`);
        if (depth > budget.maxDepth) return fail(`deeper than ${budget.maxDepth}`);
        stack.push({ remaining: 1 });
        break;
      default:
        // 7: simple values and floats; 24 takes one more byte (read above), 31 is only a break.
        if (arg < 0) return fail('unexpected break');
        break;
    }
  }
  if (pos !== end) return { ok: false, problem: `${end - pos} bytes after the item` };
  return { ok: true, items };
}
