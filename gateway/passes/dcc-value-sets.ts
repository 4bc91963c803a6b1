import { readFileSync } from 'node:fs';
import type { DccType } from './dsc.ts';

/**
 * The EU DCC value sets: the coded fields of a certificate must hold one of their codes. Copies
 * of the published value sets are in dcc-schemas/valuesets/ (their version and source in
 * dcc-schemas/SOURCE.md). A code the value set marks inactive (`active: false`, e.g. the ATC
 * code J07BX03 replaced by an SNOMED one) is still known: a certificate issued while it was in
 * use stays readable. The check applies to every schema version, also those whose schema did not
 * yet annotate a field with its value set (1.0.0 has no annotation on `co` and `tt`).
 */

const DIR = new URL('./dcc-schemas/valuesets/', import.meta.url);

export const VALUE_SET_FILES = [
  'country-2-codes',
  'disease-agent-targeted',
  'test-manf',
  'test-result',
  'test-type',
  'vaccine-mah-manf',
  'vaccine-medicinal-product',
  'vaccine-prophylaxis',
] as const;
export type ValueSetName = (typeof VALUE_SET_FILES)[number];

interface ValueSetFile {
  valueSetId: string;
  valueSetDate: string;
  valueSetValues: Record<string, { active?: boolean }>;
}

let loaded: Map<ValueSetName, { codes: ReadonlySet<string>; date: string }> | undefined;

/** The value sets, read once (about 100 KB, at the first certificate or at preload). */
export function valueSets(): ReadonlyMap<ValueSetName, { codes: ReadonlySet<string>; date: string }> {
  if (!loaded) {
    loaded = new Map();
    for (const name of VALUE_SET_FILES) {
      const file = JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as ValueSetFile;
      loaded.set(name, { codes: new Set(Object.keys(file.valueSetValues)), date: file.valueSetDate });
    }
  }
  return loaded;
}

/**
 * The coded fields of each kind of entry and their value sets. `optional` fields may be absent
 * or empty (a NAAT test has no `ma`; CH issues it as ""); a present, non-empty value must be in
 * the set.
 */
const CODED_FIELDS: Record<DccType, ReadonlyArray<{ field: string; set: ValueSetName; optional?: true }>> = {
  vaccination: [
    { field: 'tg', set: 'disease-agent-targeted' },
    { field: 'vp', set: 'vaccine-prophylaxis' },
    { field: 'mp', set: 'vaccine-medicinal-product' },
    { field: 'ma', set: 'vaccine-mah-manf' },
    { field: 'co', set: 'country-2-codes' },
  ],
  test: [
    { field: 'tg', set: 'disease-agent-targeted' },
    { field: 'tt', set: 'test-type' },
    { field: 'ma', set: 'test-manf', optional: true },
    { field: 'tr', set: 'test-result' },
    { field: 'co', set: 'country-2-codes' },
  ],
  recovery: [
    { field: 'tg', set: 'disease-agent-targeted' },
    { field: 'co', set: 'country-2-codes' },
  ],
};

const GROUP: Record<DccType, string> = { vaccination: 'v', test: 't', recovery: 'r' };

/**
 * What is outside the value sets in the DCC's one entry of `type`, e.g. `t[0].ma "9999" is not
 * in test-manf`. Empty when every coded field holds a known code. The schema has checked the
 * shape already; a field of the wrong type counts as outside its set.
 */
export function dccValueSetProblems(dcc: Record<string, unknown>, type: DccType): string[] {
  const group = GROUP[type];
  const entries = dcc[group];
  if (!Array.isArray(entries)) return [`${group} is not an array`];
  const sets = valueSets();
  const problems: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const fields = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    for (const { field, set, optional } of CODED_FIELDS[type]) {
      const value = Object.hasOwn(fields, field) ? fields[field] : undefined;
      if (optional && (value === undefined || value === '')) continue;
      if (typeof value !== 'string' || !sets.get(set)?.codes.has(value)) {
        problems.push(`${group}[${i}].${field} ${JSON.stringify(value)} is not in ${set}`);
      }
    }
  }
  return problems;
}
