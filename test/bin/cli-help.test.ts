import { spawnSync } from 'node:child_process';
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

function gatepost(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('gatepost --version and <command> --help', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = gatepost('--version');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^gatepost ${version.replaceAll('.', '\\.')} \\(`));
  });

  it.each(COMMANDS)('%s --help prints its usage on stdout and exits 0', (cmd) => {
    const r = gatepost(cmd, '--help');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage:/);
    expect(r.out).toContain(`gatepost ${cmd}`);
  });

  it('-h and `gatepost help CMD` are --help', () => {
    const r = gatepost('export', '--help');
    expect(gatepost('export', '-h').out).toBe(r.out);
    expect(gatepost('help', 'export').out).toBe(r.out);
  });

  it('the overview names every command', () => {
    const r = gatepost('--help');
    expect(r.code).toBe(0);
    for (const cmd of COMMANDS) expect(r.out).toContain(`  ${cmd}`);
  });

  it("the README's command table names every command", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(COMMANDS.filter((cmd) => !readme.includes(`| \`gatepost ${cmd}`))).toEqual([]);
  });

  it('a bad option of start prints the usage and exits non-zero, without a stack trace', () => {
    const r = gatepost('start', '--nonsense');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("Unknown option '--nonsense'");
    expect(r.err).toContain('usage: gatepost start');
    expect(r.err).not.toContain('    at ');
  });
});
