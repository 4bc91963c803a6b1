import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChildRun, runMeasured } from '../support/measure.ts';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/gatepost.js');
const COMMANDS = [
  'start',
  'broker',
  'check-config',
  'verify',
  'sim',
  'user',
  'export',
  'backup',
  'restore',
  'central',
];

/** Every run the tests below read, each a process of its own (~1 s of Node start). */
const RUNS = [
  ['--version'],
  ...COMMANDS.map((cmd) => [cmd, '--help']),
  ['export', '-h'],
  ['help', 'export'],
  ['--help'],
  ['start', '--nonsense'],
];

// All started when the file loads, two at a time (a core each): the runs go round two queues.
const runs = new Map<string, Promise<ChildRun>>();
const queues: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
RUNS.forEach((args, i) => {
  const run = (queues[i % queues.length] as Promise<unknown>).then(() =>
    runMeasured(BIN, args, { timeoutMs: 30_000, cwd: ROOT }),
  );
  queues[i % queues.length] = run;
  runs.set(JSON.stringify(args), run);
});

/** The run of `gatepost ...args` (one of RUNS). */
function gatepost(...args: string[]): Promise<ChildRun> {
  const run = runs.get(JSON.stringify(args));
  if (!run) throw new Error(`gatepost ${args.join(' ')} is not among RUNS`);
  return run;
}

describe('gatepost --version and <command> --help', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await gatepost('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^gatepost ${version.replaceAll('.', '\\.')} \\(`));
  });

  it.each(COMMANDS)('%s --help prints its usage on stdout and exits 0', async (cmd) => {
    const r = await gatepost(cmd, '--help');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage:/);
    expect(r.stdout).toContain(`gatepost ${cmd}`);
  });

  it('-h and `gatepost help CMD` are --help', async () => {
    const r = await gatepost('export', '--help');
    expect((await gatepost('export', '-h')).stdout).toBe(r.stdout);
    expect((await gatepost('help', 'export')).stdout).toBe(r.stdout);
  });

  it('the overview names every command', async () => {
    const r = await gatepost('--help');
    expect(r.code).toBe(0);
    for (const cmd of COMMANDS) expect(r.stdout).toContain(`  ${cmd}`);
  });

  it("the README's command table names every command", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(COMMANDS.filter((cmd) => !readme.includes(`| \`gatepost ${cmd}`))).toEqual([]);
  });

  it('a bad option of start prints the usage and exits non-zero, without a stack trace', async () => {
    const r = await gatepost('start', '--nonsense');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Unknown option '--nonsense'");
    expect(r.stderr).toContain('usage: gatepost start');
    expect(r.stderr).not.toContain('    at ');
  });
});
