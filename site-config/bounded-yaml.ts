import { Composer, type Document, isAlias, isMap, isScalar, isSeq, Lexer, Parser } from 'yaml';
import { ErrorCode, GatepostError } from '../core/errors.ts';

/** What parsing one YAML text may cost, beyond its size (which the caller caps before). */
export interface YamlBudget {
  /** Nesting of collections; the parse stops at the first level beyond it. */
  maxDepth: number;
  /** Alias expansion (YAML anchors), as the `yaml` package counts it: stops "billion laughs". */
  maxAliasCount: number;
}

export const CONFIG_YAML_BUDGET: YamlBudget = { maxDepth: 32, maxAliasCount: 100 };

/**
 * Parses one YAML document within a budget, in time linear in its size and with no recursion
 * deeper than `maxDepth`:
 * - the nesting is measured on the `yaml` package's CST parser, which keeps an explicit stack
 *   (no recursion), and the parse is stopped at the first level too deep: the composer recurses
 *   per level, and 100,000 `[` overflowed its stack or exhausted the heap (an abort);
 * - map keys are checked for duplicates here with one Set per map: the package's own check
 *   compares every pair (30,000 keys took 7 s);
 * - aliases are expanded under `maxAliasCount`.
 * Throws a plain Error with the line and column of the problem.
 */
export function parseBoundedYaml(text: string, budget: YamlBudget = CONFIG_YAML_BUDGET): unknown {
  const where = (offset: number) => position(text, offset);
  const parser = new Parser();
  const composer = new Composer({ uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  // One pass: lexer, CST parser and composer in step, so the depth is checked before the
  // composer (which recurses per level) sees a token of a level too deep.
  for (const lexeme of new Lexer().lex(text, false)) {
    for (const token of parser.next(lexeme)) docs.push(...composer.next(token));
    // The stack holds the document and each open collection (and the node being read).
    if (parser.stack.length > budget.maxDepth + 2) {
      throw new GatepostError(
        ErrorCode.ConfigUnreadable,
        `nested deeper than ${budget.maxDepth} levels at ${where(parser.offset)}`,
      );
    }
  }
  for (const token of parser.end()) docs.push(...composer.next(token));
  docs.push(...composer.end(false, text.length));

  const doc = docs[0];
  if (!doc) return null;
  if (docs.length > 1)
    throw new GatepostError(ErrorCode.ConfigUnreadable, `holds ${docs.length} YAML documents, not one`);
  const error = doc.errors[0];
  if (error)
    throw new GatepostError(ErrorCode.ConfigUnreadable, `${error.message.trim()} at ${where(error.pos[0])}`);
  checkKeys(doc.contents, where);
  try {
    return doc.toJS({ maxAliasCount: budget.maxAliasCount });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new GatepostError(
        ErrorCode.ConfigUnreadable,
        `expands its aliases (YAML anchors) beyond ${budget.maxAliasCount} nodes`,
      );
    }
    throw e;
  }
}

/** "line L, column C" (both from 1) of an offset; only ever computed for one error. */
function position(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/** Every map key is a plain scalar and unique in its map; iterative, one pass. */
function checkKeys(root: unknown, where: (offset: number) => string): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) for (const item of node.items) stack.push(item);
    else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const at = isScalar(key) || isAlias(key) || isMap(key) || isSeq(key) ? key.range?.[0] : undefined;
        if (!isScalar(key))
          throw new GatepostError(
            ErrorCode.ConfigUnreadable,
            `a map key must be plain text at ${where(at ?? 0)}`,
          );
        const name = String(key.value);
        if (seen.has(name)) {
          throw new GatepostError(
            ErrorCode.ConfigUnreadable,
            `duplicate key "${shorten(name)}" at ${where(at ?? 0)}`,
          );
        }
        seen.add(name);
        stack.push(pair.value);
      }
    }
  }
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
