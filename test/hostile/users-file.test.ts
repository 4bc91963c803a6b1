import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ChildRun, runMeasured } from '../support/measure.ts';

/**
 * The broker's users file: read by `gatepost user ...` and by the broker at start and on every
 * change, capped at 4 MiB while reading. Measured on the real command in a child process.
 */
const ROOT = resolve(import.meta.dirname, '../..');
/** CPU time above the baseline's: the work a hostile file may cause. */
const BUDGET_CPU_MS = 1500;
/** Wall-clock time, start to exit, node's start-up included, on a box shared with other tests. */
const BUDGET_WALL_MS = 10_000;
const BUDGET_RSS_MB = 64;
const KILL_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'gatepost-hostile-users-'));
let baseline: ChildRun;

function userList(file: string): Promise<ChildRun> {
  return runMeasured(join(ROOT, 'bin/gatepost.js'), ['user', 'list', '--file', file], {
    cwd: ROOT,
    timeoutMs: KILL_MS,
  });
}

function expectRefusedWithinBudget(run: ChildRun, file: string, reason: RegExp): void {
  expect(run.timedOut, `still running after ${KILL_MS} ms`).toBe(false);
  expect(run.signal).toBeNull();
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain(`cannot read users file ${file}`);
  expect(run.stderr).toMatch(reason);
  expect(run.cpuMs).toBeLessThanOrEqual(baseline.cpuMs + BUDGET_CPU_MS);
  expect(run.elapsedMs).toBeLessThan(BUDGET_WALL_MS);
  expect(run.peakRssMB).toBeLessThanOrEqual(baseline.peakRssMB + BUDGET_RSS_MB);
}

beforeAll(async () => {
  const empty = join(dir, 'users.json');
  writeFileSync(empty, JSON.stringify({ version: 1, users: [] }), { mode: 0o600 });
  baseline = await userList(empty);
  expect(baseline.code, baseline.stderr).toBe(0);
}, KILL_MS + 5000);

describe('users file: hostile files are refused within the budget', () => {
  it('/dev/zero is refused at once (its size reads as 0: the old size check let it through, to read forever)', async () => {
    expectRefusedWithinBudget(await userList('/dev/zero'), '/dev/zero', /not a regular file/);
  }, 30_000);

  it('a FIFO with no writer is refused at once, not waited on', async () => {
    const fifo = join(dir, 'users.fifo');
    execFileSync('mkfifo', [fifo]);
    expectRefusedWithinBudget(await userList(fifo), fifo, /it is a FIFO/);
  }, 30_000);

  it('a 100 MB file is refused before it is read', async () => {
    const big = join(dir, 'big.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 100 * 1024 * 1024);
    closeSync(fd);
    expectRefusedWithinBudget(await userList(big), big, /larger than the 4194304 bytes allowed/);
  }, 30_000);

  it('bytes that are not UTF-8 are refused', async () => {
    const file = join(dir, 'latin1.json');
    writeFileSync(file, Buffer.from('{"version":1,"users":[],"x":"caf\xe9"}', 'latin1'), { mode: 0o600 });
    expectRefusedWithinBudget(await userList(file), file, /not valid UTF-8/);
  }, 30_000);
});
