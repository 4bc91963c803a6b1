import fc from 'fast-check';
import { hc1FromCose } from './helpers.ts';

/**
 * Hostile CBOR for the verifier's budget tests: raw encodings built byte by byte, so they can
 * carry what no well-behaved encoder writes (shared references, lengths the data cannot hold,
 * nesting thousands deep, tags a decoder gives special meaning).
 */

const concat = (...parts: (Uint8Array | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => [...p]));

/** The head of a CBOR item: major type and argument, in the shortest form. */
export function head(major: number, arg: number | bigint): Uint8Array {
  const m = major << 5;
  const n = BigInt(arg);
  if (n < 24n) return Uint8Array.of(m | Number(n));
  if (n < 0x100n) return Uint8Array.of(m | 24, Number(n));
  if (n < 0x10000n) return Uint8Array.of(m | 25, Number(n >> 8n), Number(n & 0xffn));
  if (n < 0x100000000n) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = m | 27;
  b.writeBigUInt64BE(n, 1);
  return b;
}

const text = (s: string) => concat(head(3, Buffer.byteLength(s)), Buffer.from(s));
const bytes = (b: Uint8Array) => concat(head(2, b.length), b);
const tag = (n: number, item: Uint8Array) => concat(head(6, n), item);

/**
 * A DAG of shared references (tags 28/29): level 0 is `["x"]`, level k an array of `fanOut`
 * references to level k-1. Tiny on the wire; fanOut^depth nodes once expanded.
 */
export function sharedReferenceDag(depth: number, fanOut: number): Uint8Array {
  // Tag 28 numbers what it marks in the order met: the outermost level (depth) is 0, level j is
  // depth - j. Each level's array holds the previous level's definition first, then references.
  let item = tag(28, concat(head(4, 1), text('x')));
  for (let level = 1; level <= depth; level++) {
    const refs = Array.from({ length: fanOut - 1 }, () => tag(29, head(0, depth - (level - 1))));
    item = tag(28, concat(head(4, fanOut), item, ...refs));
  }
  return item;
}

/** A CWT payload whose DCC (claim -260, key 1) has `dccValue` under "v". */
export function cwtWithDcc(dccValue: Uint8Array, at = Date.UTC(2026, 0, 1) / 1000): Uint8Array {
  const dcc = concat(head(5, 2), text('ver'), text('1.3.0'), text('v'), dccValue);
  return concat(
    head(5, 4),
    head(0, 1),
    text('XX'),
    head(0, 4),
    head(0, at + 86_400),
    head(0, 6),
    head(0, at - 86_400),
    head(1, 259), // -260
    concat(head(5, 1), head(0, 1), dcc),
  );
}

/** A COSE_Sign1 (tag 18) around `payload`, ES256 with an 8-byte kid, a zero signature. */
export function coseAround(
  payload: Uint8Array,
  protectedBytes?: Uint8Array,
  kid = new Uint8Array(8),
): Uint8Array {
  const prot = protectedBytes ?? concat(head(5, 2), head(0, 1), head(1, 6), head(0, 4), bytes(kid));
  return tag(18, concat(head(4, 4), bytes(prot), head(5, 0), bytes(payload), bytes(new Uint8Array(64))));
}

/** An HC1 code whose DCC holds the shared-reference DAG. */
export function dagCode(depth: number, fanOut: number): string {
  return hc1FromCose(coseAround(cwtWithDcc(sharedReferenceDag(depth, fanOut))));
}

/** Tags a decoder may give a meaning: value sharing, packing, records, sets, typed arrays... */
const SPECIAL_TAGS = [
  0, 1, 2, 3, 4, 5, 6, 14, 15, 18, 21, 24, 25, 27, 28, 29, 51, 61, 64, 65, 72, 77, 85, 86, 105, 256, 258, 259,
  1004, 27648, 0xdffe, 0xdfff, 55799,
];

/** A CBOR item, possibly hostile, at most about `maxBytes` long. */
export function hostileItem(): fc.Arbitrary<Uint8Array> {
  const { item } = fc.letrec<{ item: Uint8Array; leaf: Uint8Array }>((tie) => ({
    leaf: fc.oneof(
      fc.integer({ min: -1000, max: 1_000_000 }).map((n) => (n < 0 ? head(1, -1 - n) : head(0, n))),
      fc.string({ maxLength: 20 }).map(text),
      fc.uint8Array({ maxLength: 40 }).map(bytes),
      // A length the data cannot hold: string, byte string, array, map.
      fc
        .tuple(fc.constantFrom(2, 3, 4, 5), fc.bigInt({ min: 24n, max: 2n ** 64n - 1n }))
        .map(([major, n]) => head(major, n)),
      // A shared reference, a shareable tag with nothing useful, a break, random bytes.
      fc.nat({ max: 40 }).map((id) => tag(29, head(0, id))),
      fc.constant(Uint8Array.of(0xff)),
      fc.uint8Array({ maxLength: 24 }),
    ),
    item: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('leaf'),
      fc.array(tie('item'), { maxLength: 6 }).map((xs) => concat(head(4, xs.length), ...xs)),
      fc.array(tie('item'), { maxLength: 6 }).map((xs) => concat([0x9f], ...xs, [0xff])),
      fc
        .array(fc.tuple(tie('item'), tie('item')), { maxLength: 4 })
        .map((kv) => concat(head(5, kv.length), ...kv.flat())),
      fc.tuple(fc.constantFrom(...SPECIAL_TAGS), tie('item')).map(([t, x]) => tag(t, x)),
      // Deep nesting: thousands of one-element arrays (or tags) around an item.
      fc
        .tuple(fc.integer({ min: 10, max: 4000 }), fc.constantFrom(0x81, 0xa1, 0xd8), tie('leaf'))
        .map(([n, opener, x]) => {
          if (opener === 0xa1) return concat(...Array.from({ length: n }, () => [0xa1, 0x00]), x);
          if (opener === 0xd8) return concat(...Array.from({ length: n }, () => [0xd8, 0x1c]), x);
          return concat(new Uint8Array(n).fill(0x81), x);
        }),
      fc
        .tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 2, max: 6 }))
        .map(([d, f]) => sharedReferenceDag(d, f)),
    ),
  }));
  return item;
}

/** Where the hostile CBOR goes: the whole COSE, its payload, its protected header, the DCC. */
export function hostileHc1(
  maxCborBytes = 8 * 1024,
): fc.Arbitrary<{ where: string; cbor: Uint8Array; code: string }> {
  return fc
    .tuple(hostileItem(), fc.constantFrom('cose', 'payload', 'protected', 'dcc'))
    .filter(([cbor]) => cbor.length <= maxCborBytes)
    .map(([cbor, where]) => {
      const cose =
        where === 'cose'
          ? cbor
          : where === 'payload'
            ? coseAround(cbor)
            : where === 'protected'
              ? coseAround(cwtWithDcc(text('x')), cbor)
              : coseAround(cwtWithDcc(cbor));
      return { where, cbor, code: hc1FromCose(cose) };
    });
}
