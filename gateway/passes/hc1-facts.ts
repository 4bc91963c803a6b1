import type { DccType } from './dsc.ts';
import type { Cwt } from './hc1-decode.ts';
import { parseIsoTime } from './iso-time.ts';
import type { PassFacts, PassTest } from './verdict.ts';

/** What the decision rules need from a decoded EU DCC. */

/** Test type (`tt`), LOINC: rapid antigen test and nucleic acid amplification (PCR). */
const TEST_KINDS: ReadonlyMap<string, PassTest['kind']> = new Map([
  ['LP217198-3', 'antigen'],
  ['LP6464-4', 'pcr'],
]);

/** Test result (`tr`), SNOMED CT: not detected / detected. */
const TEST_RESULTS: ReadonlyMap<string, PassTest['result']> = new Map([
  ['260415000', 'negative'],
  ['260373001', 'positive'],
]);

export function hc1Facts(cwt: Cwt, type: DccType | undefined): PassFacts {
  const facts: PassFacts = { tests: type === 'test' ? dccTests(cwt.dcc.t) : [] };
  if (type) facts.certificateType = type;
  const name = holderName(cwt.dcc.nam);
  if (name) facts.name = name;
  if (cwt.issuer !== undefined) facts.issuer = cwt.issuer;
  if (cwt.issuedAt !== undefined) facts.issuedAt = cwt.issuedAt * 1000;
  if (cwt.expiresAt !== undefined) facts.expiresAt = cwt.expiresAt * 1000;
  return facts;
}

/** Test entries with a known type and result and a readable sample time; others are left out. */
function dccTests(entries: unknown): PassTest[] {
  if (!Array.isArray(entries)) return [];
  const tests: PassTest[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { tt, tr, sc } = entry as Record<string, unknown>;
    const kind = typeof tt === 'string' ? TEST_KINDS.get(tt) : undefined;
    const result = typeof tr === 'string' ? TEST_RESULTS.get(tr) : undefined;
    // A sample time without a zone is UTC, as everywhere in the verifier (iso-time.ts).
    const at = typeof sc === 'string' ? parseIsoTime(sc) : undefined;
    if (kind && result && at !== undefined) tests.push({ kind, result, at });
  }
  return tests;
}

/** "Given Family", from the names as written, else the transliterated ones. */
function holderName(nam: unknown): string | undefined {
  if (typeof nam !== 'object' || nam === null) return undefined;
  const { gn, fn, gnt, fnt } = nam as Record<string, unknown>;
  const pick = (a: unknown, b: unknown) => (typeof a === 'string' && a ? a : typeof b === 'string' ? b : '');
  const full = `${pick(gn, gnt)} ${pick(fn, fnt)}`.trim();
  return full || undefined;
}
