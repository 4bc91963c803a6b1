import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChildRun, runMeasured } from '../support/measure.ts';

/**
 * A simulator scenario file (`gatepost sim --scenario FILE`) has the site config's budget
 * (config-file.test.ts): a regular file of at most 128 KiB, read capped, nesting and aliases
 * bounded. Measured on the real command: refused before any device or traffic starts.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const KILL_MS = 20_000;
const BUDGET_WALL_MS = 10_000;
/** Peak RSS of the whole command: node, the bundle and the CLI take some 90 MB of it. */
const BUDGET_RSS_MB = 160;
const dir = mkdtempSync(join(tmpdir(), 'gatepost-hostile-scenario-'));

function sim(file: string): Promise<ChildRun> {
  return runMeasured(join(ROOT, 'bin/gatepost.js'), ['sim', '--scenario', file], {
    cwd: ROOT,
    timeoutMs: KILL_MS,
  });
}

function expectRefused(run: ChildRun, file: string, reason: RegExp): void {
  expect(run.timedOut, `still running after ${KILL_MS} ms`).toBe(false);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`cannot read scenario ${file}`);
  expect(run.stderr).toMatch(reason);
  expect(run.elapsedMs).toBeLessThan(BUDGET_WALL_MS);
  expect(run.peakRssMB).toBeLessThan(BUDGET_RSS_MB);
}

describe('scenario file: hostile files are refused before the simulation starts', () => {
  it('/dev/zero', async () => {
    expectRefused(await sim('/dev/zero'), '/dev/zero', /not a regular file/);
  }, 30_000);

  it('a FIFO with no writer', async () => {
    const fifo = join(dir, 'scenario.fifo');
    execFileSync('mkfifo', [fifo]);
    expectRefused(await sim(fifo), fifo, /it is a FIFO/);
  }, 30_000);

  it('100,000 nested [', async () => {
    const deep = join(dir, 'deep.yaml');
    writeFileSync(deep, '['.repeat(100_000));
    expectRefused(await sim(deep), deep, /nested deeper than 32 levels/);
  }, 30_000);

  it('a billion laughs', async () => {
    let lol = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++)
      lol += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]\n`;
    const laughs = join(dir, 'laughs.yaml');
    writeFileSync(laughs, lol);
    expectRefused(await sim(laughs), laughs, /aliases/);
  }, 30_000);
});
