import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_MAX_BYTES } from '../../site-config/load.ts';
import { type ChildRun, runMeasured } from '../support/measure.ts';

/**
 * The config file's input budget, measured on the real command (`gatepost check-config`, the same
 * loader `gatepost start` uses) in a child process, so that a hang or an abort is seen as such:
 * any hostile file is refused with the file's name and the reason, using at most BUDGET_CPU_MS
 * more CPU time and BUDGET_RSS_MB more peak RSS than checking the demo config (as the child
 * itself counts them: wall-clock time on a shared box is mostly waiting), within BUDGET_WALL_MS.
 */
const ROOT = resolve(import.meta.dirname, '../..');
/** CPU time above the baseline's: the work a hostile file may cause. */
const BUDGET_CPU_MS = 1500;
/** Wall-clock time, start to exit, node's start-up included, on a box shared with other tests. */
const BUDGET_WALL_MS = 10_000;
const BUDGET_RSS_MB = 64;
/** A run that exceeds this is killed: the "hangs" of today. */
const KILL_MS = 20_000;

const dir = mkdtempSync(join(tmpdir(), 'gatepost-hostile-config-'));
let baseline: ChildRun;

function checkConfig(file: string): Promise<ChildRun> {
  return runMeasured(join(ROOT, 'bin/gatepost.js'), ['check-config', file], {
    cwd: ROOT,
    timeoutMs: KILL_MS,
  });
}

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Refused, with the file named and the reason given, within the budget. */
function expectRefusedWithinBudget(run: ChildRun, file: string, reason: RegExp, maxMessage = 4096): void {
  expect(run.timedOut, `still running after ${KILL_MS} ms`).toBe(false);
  expect(run.signal).toBeNull();
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(file);
  expect(run.stderr).toMatch(reason);
  // The message is for a person: it never echoes the hostile input back.
  expect(run.stderr.length).toBeLessThan(maxMessage);
  expect(run.cpuMs).toBeLessThanOrEqual(baseline.cpuMs + BUDGET_CPU_MS);
  expect(run.elapsedMs).toBeLessThan(BUDGET_WALL_MS);
  expect(run.peakRssMB).toBeLessThanOrEqual(baseline.peakRssMB + BUDGET_RSS_MB);
}

/** Pads YAML with a comment to just under the byte cap. */
function nearCap(build: (i: number) => string, open = '', close = ''): string {
  let s = open;
  for (let i = 0; s.length < CONFIG_MAX_BYTES - 64; i++) s += build(i);
  return s + close;
}

beforeAll(async () => {
  baseline = await checkConfig(join(ROOT, 'config/demo.yaml'));
  expect(baseline.code, baseline.stderr).toBe(0);
}, KILL_MS + 5000);

describe('config file: every hostile file is refused within the budget, naming the file', () => {
  it('/dev/zero is refused at once, not read forever', async () => {
    expectRefusedWithinBudget(await checkConfig('/dev/zero'), '/dev/zero', /not a regular file/);
  }, 30_000);

  it('a FIFO with no writer is refused at once, not waited on', async () => {
    const fifo = join(dir, 'site.fifo');
    execFileSync('mkfifo', [fifo]);
    expectRefusedWithinBudget(await checkConfig(fifo), fifo, /not a regular file \(it is a FIFO\)/);
  }, 30_000);

  it('a 100 MB file is refused before it is read', async () => {
    const big = join(dir, 'big.yaml');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 100 * 1024 * 1024);
    closeSync(fd);
    expectRefusedWithinBudget(await checkConfig(big), big, /larger than the 131072 bytes allowed/);
  }, 30_000);

  it('a YAML billion laughs (anchors of anchors) is refused before it expands', async () => {
    let lol = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++)
      lol += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]\n`;
    const file = write('laughs.yaml', lol);
    expectRefusedWithinBudget(await checkConfig(file), file, /aliases|alias/);
  }, 30_000);

  it('100,000 nested flow sequences are refused at the 33rd level (today: heap exhausted, abort)', async () => {
    const file = write('deep-flow.yaml', '['.repeat(100_000));
    expectRefusedWithinBudget(
      await checkConfig(file),
      file,
      /nested deeper than 32 levels at line 1, column/,
    );
  }, 30_000);

  it('10,000 nested block sequences on one line are refused', async () => {
    const file = write('deep-block.yaml', `${'- '.repeat(10_000)}x\n`);
    expectRefusedWithinBudget(await checkConfig(file), file, /nested deeper than 32 levels/);
  }, 30_000);

  it('nested maps by indentation, as deep as the byte cap allows, are refused', async () => {
    // Indentation makes the size grow as the square of the depth: some 450 levels fit the cap.
    const lines: string[] = [];
    for (let i = 0; i < 450; i++) lines.push(`${' '.repeat(i)}k:`);
    const file = write('deep-map.yaml', `${lines.join('\n')} 1\n`);
    expectRefusedWithinBudget(await checkConfig(file), file, /nested deeper than 32 levels/);
  }, 30_000);

  it('a JSON config of 60,000 nested arrays is refused', async () => {
    const file = write('deep.json', `${'['.repeat(60_000)}${']'.repeat(60_000)}`);
    expectRefusedWithinBudget(
      await checkConfig(file),
      file,
      /is not valid YAML\/JSON: it is nested deeper than 32 levels/,
    );
  }, 30_000);

  it("a map of ~15,000 keys just under the cap is checked in linear time (the package's own check is quadratic)", async () => {
    const file = write(
      'keys.yaml',
      nearCap((i) => `k${i.toString(36)}: 1\n`),
    );
    expectRefusedWithinBudget(await checkConfig(file), file, /holds more than 8000 values/);
  }, 30_000);

  it('duplicate keys are still refused, with their line', async () => {
    const file = write('dup.yaml', 'version: 1\nsite:\n  id: a\n  id: b\n');
    expectRefusedWithinBudget(await checkConfig(file), file, /duplicate key "id" at line 4, column 3/);
  }, 30_000);

  it('a huge string and a huge unknown key are refused without being printed back', async () => {
    const demo = readFileSync(join(ROOT, 'config/demo.yaml'), 'utf8');
    const file = write('huge.yaml', `${demo}\n? ${'k'.repeat(CONFIG_MAX_BYTES - demo.length - 100)}\n: 1\n`);
    expectRefusedWithinBudget(await checkConfig(file), file, /unknown field "k{40}…"/);
    const str = write('huge-str.yaml', `site: "${'x'.repeat(CONFIG_MAX_BYTES - 100)}"\n`);
    expectRefusedWithinBudget(await checkConfig(str), str, /site: must be a object, not the text "x{40}…"/);
  }, 30_000);

  it('10,000 entries are refused by their count, before the schema makes an error of each', async () => {
    const file = write('many.yaml', `version: 1\ncheckpoints:\n${'- {a: 1}\n'.repeat(10_000)}`);
    expectRefusedWithinBudget(await checkConfig(file), file, /\(top level\): holds more than 8000 values/);
  }, 30_000);

  it('3,990 bad entries: the first 50 problems are printed and the rest counted (it was 1.8 MB of them)', async () => {
    const file = write('many-bad.yaml', `version: 1\ncheckpoints:\n${'- {a: 1}\n'.repeat(3990)}`);
    const run = await checkConfig(file);
    expectRefusedWithinBudget(run, file, /\.\.\. and \d+ more problems/, 16 * 1024);
    expect(run.stderr.match(/^ {2}- /gm)).toHaveLength(50);
  }, 30_000);

  it('bytes that are not UTF-8 are refused, never read as U+FFFD', async () => {
    const demo = readFileSync(join(ROOT, 'config/demo.yaml'));
    const file = write('latin1.yaml', Buffer.concat([demo, Buffer.from('\n# caf\xe9\n', 'latin1')]));
    expectRefusedWithinBudget(await checkConfig(file), file, /not valid UTF-8/);
  }, 30_000);
});
