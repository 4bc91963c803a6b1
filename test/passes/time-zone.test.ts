import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyHc1 } from '../../gateway/passes/hc1.ts';
import { parseIsoTime } from '../../gateway/passes/iso-time.ts';
import { VerdictSchema } from '../../gateway/passes/verdict.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';
import { context, DGC_DIR, dccCaseContext, listJsonFiles, loadDccCase } from './helpers.ts';

/**
 * Issue 18 item 4: a time without a zone is UTC on every host. `--at` was read as the host's
 * local time (on a host set to Asia/Shanghai, the public cases' expiry flags flipped), and so
 * were the tests' zone-less clocks. Here the verifier and the real `gatepost verify` run on a
 * host clock set to Asia/Shanghai (UTC+8) and must agree with UTC.
 */

const REPO = path.resolve(import.meta.dirname, '../..');
const SHANGHAI = 'Asia/Shanghai';

afterAll(removeTempDirs);

describe('parseIsoTime', () => {
  test('a time without a zone is UTC; zones and offsets in every ISO spelling are honoured', () => {
    const utc = Date.UTC(2021, 4, 30, 13, 38, 51, 669);
    expect(parseIsoTime('2021-05-30T13:38:51.669397')).toBe(utc);
    expect(parseIsoTime('2021-05-30T13:38:51.669Z')).toBe(utc);
    expect(parseIsoTime('2021-05-30T21:38:51.669+08:00')).toBe(utc);
    expect(parseIsoTime('2021-05-30T21:38:51.669+0800')).toBe(utc);
    expect(parseIsoTime('2021-05-30T05:38:51.669-08')).toBe(utc);
    expect(parseIsoTime('2021-05-30 13:38:51,669')).toBe(utc);
    expect(parseIsoTime('2021-05-30')).toBe(Date.UTC(2021, 4, 30));
    expect(parseIsoTime('2021-05-30T13:38')).toBe(Date.UTC(2021, 4, 30, 13, 38));
    expect(parseIsoTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  test('a date or time that does not exist is refused (Date.parse rolls it over)', () => {
    for (const t of [
      '2021-02-30T00:00:00Z',
      '2023-02-29',
      '1900-02-29T00:00:00Z',
      '2021-04-31',
      '2021-13-01',
      '2021-00-10',
      '2021-05-03T24:00:00Z',
      '2021-05-03T23:60:00Z',
      '2021-05-03T23:59:60Z',
      '2021-05-03T10:00:00+24:00',
      '2021-05-03T10:00:00+05:60',
      'May 3, 2021',
      '2021-5-3',
      '',
    ]) {
      expect(parseIsoTime(t), t).toBeUndefined();
    }
  });
});

describe(`on a host set to ${SHANGHAI}`, () => {
  const saved = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = SHANGHAI; // Node applies a TZ change at once
    expect(new Date(2021, 0, 1).getTimezoneOffset()).toBe(-480);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  test('every public case verifies as under UTC, zone-less clocks included', async () => {
    const files = listJsonFiles(DGC_DIR).filter((f) => loadDccCase(f).PREFIX && loadDccCase(f).TESTCTX);
    const zoneless = files.filter(
      (f) => !/(Z|[+-]\d{2}:?\d{2})$/.test(loadDccCase(f).TESTCTX?.VALIDATIONCLOCK ?? ''),
    );
    expect(zoneless.length).toBeGreaterThan(0);
    for (const file of files) {
      const here = await dccCaseContext(file).catch(() => undefined);
      process.env.TZ = 'UTC';
      const utc = await dccCaseContext(file).catch(() => undefined);
      const utcVerdict = utc && verifyHc1(utc.code, context(utc.trust, utc.at));
      process.env.TZ = SHANGHAI;
      if (!here || !utc) continue;
      expect(here.at, `${file}: its clock`).toBe(utc.at);
      expect(verifyHc1(here.code, context(here.trust, here.at)), file).toEqual(utcVerdict);
    }
  });

  test('gatepost verify --at without a zone means UTC (a real process with TZ=Asia/Shanghai)', async () => {
    const { code, at, cert } = await dccCaseContext('common/2DCode/raw/CO3.json');
    const facts = verifyHc1(
      code,
      context((await dccCaseContext('common/2DCode/raw/CO3.json')).trust, at),
    ).facts;
    const issuedAt = facts.issuedAt as number;
    // One hour after issue in UTC; read as Shanghai time it would be 7 hours before issue.
    const zoneless = new Date(issuedAt + 3_600_000).toISOString().replace(/\.\d+Z$/, '');
    const dir = await makeTempDir('gatepost-tz-');
    const pem = path.join(dir, 'dsc.pem');
    writeFileSync(pem, `-----BEGIN CERTIFICATE-----\n${cert}\n-----END CERTIFICATE-----\n`);
    const r = await gatepost(['verify', code, '--at', zoneless, '--trust', pem], { TZ: SHANGHAI });
    const verdict = VerdictSchema.parse(JSON.parse(r.stdout));
    expect(verdict.reasons).not.toContain('not-yet-valid');
    expect(verdict.steps.expiry).toBe(true);
    expect(r.code).toBe(0);
  });

  test('gatepost verify refuses an impossible --at, and --trust /dev/zero, at once (a real process)', async () => {
    const t0 = performance.now();
    const r = await gatepost(['verify', 'HC1:00', '--at', '2021-02-30T00:00:00Z'], { TZ: SHANGHAI });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--at must be an ISO 8601 time of a real date/);
    const z = await gatepost(['verify', 'HC1:00', '--trust', '/dev/zero'], { TZ: SHANGHAI });
    expect(z.code).toBe(2);
    expect(z.stderr).toMatch(/not a regular file/);
    expect(performance.now() - t0).toBeLessThan(25_000);
  });
});

/** Runs the real `gatepost` command (its sources through tsx) and collects its output. */
async function gatepost(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/gatepost.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env, GATEPOST_TSX: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  return { code, stdout, stderr };
}
