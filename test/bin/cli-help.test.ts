import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs of the real command, each a process of its own; two at a time (a core each), they do not interfere. */
const PARALLEL = 2;
let active = 0;
const queue: (() => void)[] = [];
const runs = new Map<string, Promise<Run>>();

function spawnGatepost(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

async function limited(args: string[]): Promise<Run> {
  // A slot is taken, or handed over by a run that ends.
  if (active < PARALLEL) active++;
  else await new Promise<void>((r) => queue.push(r));
  try {
    return await spawnGatepost(args);
  } finally {
    const next = queue.shift();
    if (next) next();
    else active--;
  }
}

/** The run of `gatepost ...args`, started at most once (all of them are started when the file loads). */
function gatepost(...args: string[]): Promise<Run> {
  const key = JSON.stringify(args);
  let run = runs.get(key);
  if (!run) {
    run = limited(args);
    runs.set(key, run);
  }
  return run;
}

// Every run the tests below read, started at once: ~1 s of Node start each, side by side.
for (const args of [
  ['--version'],
  ...COMMANDS.map((cmd) => [cmd, '--help']),
  ['export', '-h'],
  ['help', 'export'],
  ['--help'],
  ['start', '--nonsense'],
])
  void gatepost(...args);

describe('gatepost --version and <command> --help', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await gatepost('--version');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^gatepost ${version.replaceAll('.', '\\.')} \\(`));
  });

  it.each(COMMANDS)('%s --help prints its usage on stdout and exits 0', async (cmd) => {
    const r = await gatepost(cmd, '--help');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage:/);
    expect(r.out).toContain(`gatepost ${cmd}`);
  });

  it('-h and `gatepost help CMD` are --help', async () => {
    const r = await gatepost('export', '--help');
    expect((await gatepost('export', '-h')).out).toBe(r.out);
    expect((await gatepost('help', 'export')).out).toBe(r.out);
  });

  it('the overview names every command', async () => {
    const r = await gatepost('--help');
    expect(r.code).toBe(0);
    for (const cmd of COMMANDS) expect(r.out).toContain(`  ${cmd}`);
  });

  it("the README's command table names every command", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(COMMANDS.filter((cmd) => !readme.includes(`| \`gatepost ${cmd}`))).toEqual([]);
  });

  it('a bad option of start prints the usage and exits non-zero, without a stack trace', async () => {
    const r = await gatepost('start', '--nonsense');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("Unknown option '--nonsense'");
    expect(r.err).toContain('usage: gatepost start');
    expect(r.err).not.toContain('    at ');
  });
});
