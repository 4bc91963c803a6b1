import { createHash } from 'node:crypto';
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
  const subject = certificateSubject(cwt.dcc, type);
  if (subject) facts.subject = subject;
  const name = holderName(cwt.dcc.nam);
  if (name) facts.name = name;
  if (cwt.issuer !== undefined) facts.issuer = cwt.issuer;
  if (cwt.issuedAt !== undefined) facts.issuedAt = cwt.issuedAt * 1000;
  if (cwt.expiresAt !== undefined) facts.expiresAt = cwt.expiresAt * 1000;
  return facts;
}

/** What an EU DCC's subject begins with (a GP1 `sub` is the issuer's own string). */
export const DCC_SUBJECT_PREFIX = 'dcc:';

/** The DCC's entry arrays by certificate type (`v` vaccination, `t` test, `r` recovery). */
const ENTRY_KEYS: Readonly<Record<DccType, string>> = { vaccination: 'v', test: 't', recovery: 'r' };

/**
 * A pseudonymous id of the certificate: a hash of its unique certificate identifier (UVCI, `ci` of
 * its entry), so the same certificate scanned at the entry and at the yard exit finds the truck's
 * visit as a GP1 pass's `sub` does. Absent when the entry names no `ci`. A plain hash can be
 * recomputed from the UVCI: the lanes key it with a secret of the store before anything is
 * recorded (gateway/lanes/certificate-subjects.ts).
 */
function certificateSubject(dcc: Record<string, unknown>, type: DccType | undefined): string | undefined {
  const keys = type ? [ENTRY_KEYS[type]] : Object.values(ENTRY_KEYS);
  for (const key of keys) {
    const entries = dcc[key];
    const first: unknown = Array.isArray(entries) ? entries[0] : undefined;
    if (typeof first !== 'object' || first === null) continue;
    const ci = (first as Record<string, unknown>).ci;
    // The schema caps ci at 80 characters; one far longer is no identifier.
    if (typeof ci !== 'string' || ci.trim() === '' || ci.length > 256) continue;
    return `${DCC_SUBJECT_PREFIX}${createHash('sha256').update(ci.trim()).digest('hex').slice(0, 32)}`;
  }
  return undefined;
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
