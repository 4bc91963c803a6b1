import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { valueSets } from './dcc-value-sets.ts';
import type { DccType } from './dsc.ts';

/**
 * The DCC payload against the official JSON schema of its `ver`. Copies of the combined schemas
 * of each released version we carry are in dcc-schemas/ (see SOURCE.md there).
 */

/** The schema versions bundled in dcc-schemas/, oldest first. */
export const DCC_SCHEMA_VERSIONS = ['1.0.0', '1.2.1', '1.3.0', '1.3.3'] as const;

const SCHEMA_DIR = new URL('./dcc-schemas/', import.meta.url);

// Unknown keywords are errors; the other strict checks reject constructs the official schemas use.
// `format` is an annotation, as JSON Schema draft 2020-12 has it and the official schemas are
// meant (the EU DCC reference validators do not assert it): real certificates carry a date-time
// in `dt`, `fr`, `df` and `du`, which are `format: date`. The verifier reads the one date it
// uses, a test's `sc`, itself (hc1-facts.ts), and a test whose `sc` is no time counts as none.
// Ajv is loaded only where the schemas are compiled: a release build carries them compiled.
const require = createRequire(import.meta.url);

/** The Ajv the DCC schemas compile with (`source`: keeping the code, for dcc-standalone.ts). */
export function newDccAjv(options: { source?: boolean } = {}): Ajv2020 {
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new AjvClass({
    strict: false,
    strictSchema: true,
    validateFormats: false,
    logger: false,
    ...(options.source ? { code: { source: true } } : {}),
  });
  // The DCC schemas annotate value-set fields; the value sets are checked by dcc-value-sets.ts, for
  // every schema version (some versions do not annotate every coded field).
  ajv.addKeyword({ keyword: 'valueset-uri', schemaType: 'string' });
  return ajv;
}

/** A bundled schema, without its `$id`: every version has the same one; each compiles on its own. */
export function dccSchemaOf(version: string): Record<string, unknown> {
  const schema = JSON.parse(readFileSync(new URL(`${version}.json`, SCHEMA_DIR), 'utf8')) as Record<
    string,
    unknown
  >;
  delete schema.$id;
  return schema;
}

/**
 * The file of a release build (dist/, GATEPOST_DIST) that holds every bundled schema's validator
 * as code, compiled when the release was built (dcc-standalone.ts, bin/bundle.js): a release
 * starts without loading Ajv or compiling (~250 ms of the lanes' thread at start).
 */
export const DCC_VALIDATORS_FILE = 'dcc-validators.cjs';

/** The name a schema version's validator is exported as from DCC_VALIDATORS_FILE. */
export function dccValidatorName(version: string): string {
  return `v${version.replaceAll('.', '_')}`;
}

let prebuilt: Record<string, ValidateFunction | undefined> | undefined;

function prebuiltValidator(version: string): ValidateFunction | undefined {
  const dist = process.env.GATEPOST_DIST;
  if (!dist) return undefined;
  try {
    prebuilt ??= require(join(dist, DCC_VALIDATORS_FILE)) as Record<string, ValidateFunction | undefined>;
  } catch {
    prebuilt = {}; // a build without it: the schemas are compiled here
  }
  return prebuilt[dccValidatorName(version)];
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

type Semver = [number, number, number];

function parseSemver(v: string): Semver | undefined {
  const m = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Semver, b: Semver): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The bundled schema for a payload's `ver`: the same version if we have it, else the oldest
 * later one of the same major version (releases within a major version only relax or add),
 * else the newest of that major version. Undefined for another major version or a malformed
 * `ver`.
 */
export function schemaVersionFor(ver: string): string | undefined {
  const wanted = parseSemver(ver);
  if (!wanted) return undefined;
  const sameMajor = DCC_SCHEMA_VERSIONS.map((v) => ({ v, s: parseSemver(v) as Semver })).filter(
    ({ s }) => s[0] === wanted[0],
  );
  const later = sameMajor.find(({ s }) => compare(s, wanted) >= 0);
  return (later ?? sameMajor.at(-1))?.v;
}

function validatorFor(version: string): ValidateFunction {
  let fn = compiled.get(version);
  if (!fn) {
    fn = prebuiltValidator(version);
    if (!fn) {
      ajv ??= newDccAjv();
      fn = ajv.compile(dccSchemaOf(version));
    }
    compiled.set(version, fn);
  }
  return fn;
}

/**
 * Compiles every bundled schema (or takes the release's compiled ones) and reads the value sets
 * now, so the first verification is not the slow one (compiling takes a few hundred ms; the
 * gateway calls this at start).
 */
export function preloadDccSchemas(): void {
  for (const v of DCC_SCHEMA_VERSIONS) validatorFor(v);
  valueSets();
}

const ENTRY_GROUPS: ReadonlyArray<[string, DccType]> = [
  ['v', 'vaccination'],
  ['t', 'test'],
  ['r', 'recovery'],
];

/**
 * The certificate type: exactly one of the groups v, t, r, holding exactly one entry (one DCC
 * is one statement). Undefined otherwise.
 */
export function dccType(dcc: Record<string, unknown>): DccType | undefined {
  const present = ENTRY_GROUPS.filter(([key]) => key in dcc);
  if (present.length !== 1) return undefined;
  const [key, type] = present[0] as [string, DccType];
  const entries = dcc[key];
  return Array.isArray(entries) && entries.length === 1 ? type : undefined;
}

/** Whether the DCC is valid against the official schema of its `ver`. */
export function dccSchemaValid(dcc: Record<string, unknown>): boolean {
  const ver = dcc.ver;
  if (typeof ver !== 'string') return false;
  const version = schemaVersionFor(ver);
  if (!version) return false;
  return validatorFor(version)(dcc) === true;
}
