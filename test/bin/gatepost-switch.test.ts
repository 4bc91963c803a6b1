import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../bin/gatepost-switch.sh');

/**
 * bin/gatepost-switch.sh on a sandbox: releases side by side, the symlink the unit names, a
 * systemctl that only writes down what it was asked, and releases whose `gatepost` says what it
 * was run with (check-config fails where the release is made to refuse the config).
 */
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-switch-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${join(dir, 'systemctl.log')}\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  const release = (v: string, { installed = true, refuses = false } = {}) => {
    const r = join(dir, 'releases', v);
    mkdirSync(join(r, 'dist'), { recursive: true });
    mkdirSync(join(r, 'bin'));
    writeFileSync(join(r, 'dist/manifest.json'), '{}');
    writeFileSync(
      join(r, 'bin/gatepost.js'),
      `if (process.argv[2] === 'check-config' && ${refuses}) { console.error('bad config'); process.exit(1); }\nconsole.log('gatepost ${v}');\n`,
    );
    if (installed) mkdirSync(join(r, 'node_modules/better-sqlite3'), { recursive: true });
  };
  const run = (...args: string[]) =>
    spawnSync('sh', [SCRIPT, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        GATEPOST_RELEASES: join(dir, 'releases'),
        GATEPOST_LINK: join(dir, 'opt-gatepost'),
        GATEPOST_CONFIG: join(dir, 'site.yaml'),
      },
    });
  const link = () => readlinkSync(join(dir, 'opt-gatepost'));
  const restarts = () => {
    try {
      return readFileSync(join(dir, 'systemctl.log'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };
  return { dir, release, run, link, restarts };
}

describe('gatepost-switch: upgrade and rollback in one command', () => {
  it('switches to a release and back, restarting the service each time', () => {
    const s = sandbox();
    s.release('0.1.0');
    s.release('0.2.0');
    expect(s.run('0.1.0').status).toBe(0);
    expect(s.link()).toBe(join(s.dir, 'releases/0.1.0'));
    const up = s.run('0.2.0');
    expect(up.status).toBe(0);
    expect(s.link()).toBe(join(s.dir, 'releases/0.2.0'));
    expect(up.stdout).toContain('back with: gatepost-switch 0.1.0');
    expect(s.run('0.1.0').status).toBe(0);
    expect(s.link()).toBe(join(s.dir, 'releases/0.1.0'));
    expect(s.restarts()).toEqual(['restart gatepost', 'restart gatepost', 'restart gatepost']);
    const list = s.run();
    expect(list.status).toBe(2);
    expect(list.stderr).toContain('0.1.0 (running)');
  });

  it('leaves the running release in place for one not installed, missing, or refusing the config', () => {
    const s = sandbox();
    s.release('0.1.0');
    s.release('0.2.0', { installed: false });
    s.release('0.3.0', { refuses: true });
    expect(s.run('0.1.0').status).toBe(0);
    for (const v of ['0.2.0', '0.3.0', '9.9.9']) {
      expect(s.run(v).status, v).toBe(1);
      expect(s.link(), v).toBe(join(s.dir, 'releases/0.1.0'));
    }
    expect(s.restarts()).toEqual(['restart gatepost']);
  });
});
