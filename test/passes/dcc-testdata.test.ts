import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { verifyHc1 } from '../../gateway/passes/hc1.ts';
import { parseIsoTime } from '../../gateway/passes/iso-time.ts';
import { buildTrustStore } from '../../gateway/passes/trust-list.ts';
import { type StepName, type Verdict, VerdictSchema } from '../../gateway/passes/verdict.ts';
import { context, type DccCase, DGC_DIR, listJsonFiles, loadDccCase } from './helpers.ts';

/**
 * The EU DCC test data (test/fixtures/dgc-testdata, upstream dgc-testdata), every case file found:
 * each code is verified at its TESTCTX.VALIDATIONCLOCK with its TESTCTX.CERTIFICATE as the only
 * trusted signer, and every expected flag it has must match the step of the verdict.
 */

const FLAG_STEPS: ReadonlyArray<[string, StepName]> = [
  ['EXPECTEDUNPREFIX', 'unprefix'],
  ['EXPECTEDB45DECODE', 'base45'],
  ['EXPECTEDCOMPRESSION', 'decompress'],
  ['EXPECTEDDECODE', 'decode'],
  ['EXPECTEDVERIFY', 'signature'],
  ['EXPECTEDEXPIRATIONCHECK', 'expiry'],
  ['EXPECTEDSCHEMAVALIDATION', 'schema'],
  ['EXPECTEDKEYUSAGE', 'keyUsage'],
];
const DECODING_STEPS: readonly StepName[] = ['unprefix', 'base45', 'decompress', 'decode'];

/**
 * Cases whose expectation we hold to be wrong, with the reason. At most five. Each must really
 * disagree with the verifier (a listed case that starts to agree fails, so the list stays true).
 */
const KNOWN_WRONG: ReadonlyArray<{ file: string; flag: string; reason: string }> = [
  {
    file: 'IS/2DCode/raw/3.json',
    flag: 'EXPECTEDKEYUSAGE',
    reason:
      'its DSC carries only the EKU 2.23.136.1.1.14.2, none of the DCC OIDs, so it may sign every type ' +
      '(EU DCC trust framework; what the CWA, CovPass and DGCA verifiers do). Upstream expects false ' +
      'because its harness treats any EKU as a restriction; IS/4 and IS/5, same description, expect true',
  },
];

/** Upstream's own known issues (tests/known_issues.csv): its test names mapped to our flags. */
const UPSTREAM_TEST_FLAGS: Readonly<Record<string, string>> = {
  test_un_prefix: 'EXPECTEDUNPREFIX',
  test_b45decode: 'EXPECTEDB45DECODE',
  test_compression: 'EXPECTEDCOMPRESSION',
  test_cose_json: 'EXPECTEDDECODE',
  test_cose_cbor: 'EXPECTEDDECODE',
  test_verification_check: 'EXPECTEDVERIFY',
  test_expiration_check: 'EXPECTEDEXPIRATIONCHECK',
  test_cose_schema: 'EXPECTEDSCHEMAVALIDATION',
  test_expected_key_usage: 'EXPECTEDKEYUSAGE',
};

interface UpstreamIssue {
  flag: string | undefined;
  country: string;
  testSet: string;
  reason: string;
}

function readUpstreamIssues(): UpstreamIssue[] {
  const csv = readFileSync(path.join(DGC_DIR, 'tests/known_issues.csv'), 'utf8');
  const [header, ...rows] = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  expect(header).toBe('test_name,country,test_set,reason');
  return rows.map((row) => {
    const [testName = '', country = '', testSet = '', reason = ''] = row.split(',');
    return {
      flag: testName ? (UPSTREAM_TEST_FLAGS[testName] ?? testName) : undefined,
      country,
      testSet,
      reason,
    };
  });
}

/** Upstream's matching rule: same country, the test set (file name) if given, the test if given. */
function upstreamIssueFor(issues: UpstreamIssue[], file: string, flag: string): UpstreamIssue | undefined {
  const country = file.split('/')[0] ?? '';
  const testSet = path.basename(file, '.json');
  return issues.find(
    (i) =>
      i.country === country && (i.testSet === '' || i.testSet === testSet) && (!i.flag || i.flag === flag),
  );
}

/**
 * What the verdict says about a flag's step. A step not reached because a decoding step failed
 * counts as failed: the data cannot pass it (the README's reading, e.g. EXPECTEDVERIFY false for
 * a COSE that does not decode). A step absent otherwise was not evaluated: undefined.
 */
function outcome(verdict: Verdict, step: StepName): boolean | undefined {
  const got = verdict.steps[step];
  if (got !== undefined) return got;
  return DECODING_STEPS.some((s) => verdict.steps[s] === false) ? false : undefined;
}

const files = listJsonFiles(DGC_DIR);
const upstreamIssues = readUpstreamIssues();
const tally = {
  cases: 0,
  flags: 0,
  matched: 0,
  upstreamKnown: new Set<string>(),
  knownWrong: new Set<string>(),
};

describe('EU DCC test data', () => {
  test('is there, with at most five cases listed as known-wrong', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(KNOWN_WRONG.length).toBeLessThanOrEqual(5);
    for (const k of KNOWN_WRONG) expect(files).toContain(k.file);
  });

  test.each(files)('%s', async (file) => {
    const c: DccCase = loadDccCase(file);
    const cert = c.TESTCTX?.CERTIFICATE;
    const clock = c.TESTCTX?.VALIDATIONCLOCK;
    expect(typeof c.PREFIX, 'PREFIX').toBe('string');
    expect(typeof cert, 'TESTCTX.CERTIFICATE').toBe('string');
    // A clock without a zone (3 cases) is UTC on every host, not the host's local time.
    const at = parseIsoTime(clock ?? '') as number;
    expect(at, `VALIDATIONCLOCK ${clock}`).toBeTypeOf('number');

    const trust = await buildTrustStore({ dsc: [cert as string] });
    const verdict = verifyHc1(c.PREFIX as string, context(trust, at));
    expect(VerdictSchema.parse(verdict)).toEqual(verdict);
    tally.cases++;

    const problems: string[] = [];
    for (const [flag, step] of FLAG_STEPS) {
      const expected = c.EXPECTEDRESULTS?.[flag];
      if (expected === undefined) continue;
      expect(typeof expected, `${flag} is a boolean`).toBe('boolean');
      tally.flags++;
      const got = outcome(verdict, step);
      const known = KNOWN_WRONG.find((k) => k.file === file && k.flag === flag);
      if (known) {
        expect(got, `${flag} is listed as known-wrong (${known.reason}) but now matches`).not.toBe(expected);
        tally.knownWrong.add(file);
        continue;
      }
      if (got === expected) {
        tally.matched++;
        continue;
      }
      const upstream = upstreamIssueFor(upstreamIssues, file, flag);
      if (upstream && got !== undefined) {
        tally.upstreamKnown.add(`${file} ${flag} (${upstream.reason})`);
        continue;
      }
      problems.push(`${flag}: expected ${expected}, ${step} is ${got === undefined ? 'not evaluated' : got}`);
    }
    expect(problems, `${file}: steps ${JSON.stringify(verdict.steps)} reasons ${verdict.reasons}`).toEqual(
      [],
    );
  });

  // Runs after the table (tests of a file run in order): every case that disagrees is counted.
  test('at most five cases disagree in all, upstream known issues included, each with its reason', () => {
    const disagreeing = new Set([
      ...tally.knownWrong,
      ...[...tally.upstreamKnown].map((s) => s.split(' ')[0]),
    ]);
    expect(tally.cases).toBe(files.length);
    expect(disagreeing.size).toBeLessThanOrEqual(5);
  });

  afterAll(() => {
    const upstream = [...tally.upstreamKnown].map((s) => `\n    upstream known issue: ${s}`).join('');
    console.log(
      `EU DCC test data: ${tally.cases} of ${files.length} cases run, ${tally.flags} flags checked, ` +
        `${tally.matched} as expected, ${tally.upstreamKnown.size} in upstream known_issues.csv, ` +
        `${tally.knownWrong.size} listed known-wrong${upstream}`,
    );
  });
});
