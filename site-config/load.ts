import type { z } from 'zod';
import { parseBoundedJson } from '../core/bounded-json.ts';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import { decodeUtf8Strict, readFileCapped } from '../core/read-file-capped.ts';
import { formatPath } from '../core/value-path.ts';
import { CONFIG_YAML_BUDGET, parseBoundedYaml } from './bounded-yaml.ts';
import { migrateConfig } from './migrate.ts';
import { type SiteConfig, SiteConfigSchema } from './schema.ts';

export interface ConfigProblem {
  /** Dotted path of the field, e.g. `checkpoints[0].lanes[1].devices.scanner.port.baudRate`. */
  path: string;
  message: string;
}

/**
 * Values (objects, lists and scalars) a config may hold: the demo has some 250 for 4 lanes, a
 * site of 40 lanes some 2,000. Checked before the schema, whose error objects for a pasted list
 * of 10,000 bad entries took some 75 MB.
 */
export const CONFIG_MAX_VALUES = 8000;

/** Parses and validates a config object; throws a GatepostError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): SiteConfig {
  const values = countValues(raw, CONFIG_MAX_VALUES);
  if (values > CONFIG_MAX_VALUES) {
    const problems = [{ path: '(top level)', message: `holds more than ${CONFIG_MAX_VALUES} values` }];
    throw new GatepostError(ErrorCode.ConfigInvalid, `${source} is not valid:\n${formatProblems(problems)}`, {
      problems,
    });
  }
  const migrated = migrateConfig(raw);
  // Without zod's compiled fast paths: each object schema of the config would be compiled (a
  // `new Function` each) for this one parse at start, and kept. Start CPU and heap (docs/memory.md).
  const result = SiteConfigSchema.safeParse(migrated, { reportInput: true, jitless: true });
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues);
  throw new GatepostError(ErrorCode.ConfigInvalid, `${source} is not valid:\n${formatProblems(problems)}`, {
    problems,
  });
}

/**
 * The budget of a config file: a site's config is a few KiB (the demo's 5 KiB, a large site's
 * some tens); a larger file is refused before it is parsed. YAML costs some 250 bytes of memory
 * per byte of text while parsed, so this bounds loading to about a second and 64 MB
 * (test/hostile/config-file.test.ts).
 */
export const CONFIG_MAX_BYTES = 128 * 1024;

/**
 * Reads a YAML or JSON config file within its budget: a regular file of at most
 * CONFIG_MAX_BYTES (capped while reading: `/dev/zero` or a FIFO is refused at once), UTF-8, and
 * parsed with bounded nesting and alias expansion (bounded-yaml.ts). Every problem is a
 * ConfigUnreadable error that names the file.
 */
export function loadConfigFile(file: string): SiteConfig {
  let text: string;
  try {
    text = decodeUtf8Strict(readFileCapped(file, CONFIG_MAX_BYTES));
  } catch (e) {
    throw new GatepostError(
      ErrorCode.ConfigUnreadable,
      `cannot read config file ${file}: ${errorMessage(e)}`,
    );
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? parseJsonConfig(text) : parseBoundedYaml(text, CONFIG_YAML_BUDGET);
  } catch (e) {
    throw new GatepostError(
      ErrorCode.ConfigUnreadable,
      `config file ${file} is not valid YAML/JSON: ${errorMessage(e)}`,
    );
  }
  return parseConfig(raw, file);
}

function parseJsonConfig(text: string): unknown {
  const parsed = parseBoundedJson(Buffer.from(text, 'utf8'), {
    maxBytes: CONFIG_MAX_BYTES,
    maxDepth: CONFIG_YAML_BUDGET.maxDepth,
  });
  if (!parsed.ok) throw new GatepostError(ErrorCode.ConfigUnreadable, `it ${parsed.error}`);
  return parsed.value;
}

/** Objects, lists and scalars in a parsed value, counting no further than `limit + 1`; iterative. */
function countValues(root: unknown, limit: number): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0 && n <= limit) {
    const v = stack.pop();
    n++;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push(child);
  }
  return n;
}

/** Problems printed at most; the rest are counted (a pasted list of 10,000 bad entries). */
export const MAX_PRINTED_PROBLEMS = 50;

export function formatProblems(problems: ConfigProblem[]): string {
  const shown = problems.slice(0, MAX_PRINTED_PROBLEMS).map((p) => `  - ${p.path}: ${p.message}`);
  if (problems.length > shown.length) shown.push(`  ... and ${problems.length - shown.length} more problems`);
  return shown.join('\n');
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest rather than "invalid input".
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0] ?? [];
      out.push(...describeIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))));
      continue;
    }
    out.push({ path: formatPath(issue.path), message: plainMessage(issue) });
  }
  return out;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

function plainMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `is required (${issue.expected})`
        : `must be a ${issue.expected}, not ${describeValue(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
        .slice(0, 10)
        .map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k))
        .join(', ')}${issue.keys.length > 10 ? ` and ${issue.keys.length - 10} more` : ''}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${issue.minimum} entries`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `allows at most ${issue.maximum} entries`
        : `must be at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
