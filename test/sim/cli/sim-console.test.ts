import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { faultSiteConfig } from '../support/fault-site.ts';

afterEach(removeTempDirs);

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('gatepost sim --console', () => {
  it('runs the devices alone over PTYs (no traffic) and removes them on SIGTERM, exiting 0', async () => {
    const dir = await makeTempDir();
    const config = faultSiteConfig(dir);
    const configFile = join(dir, 'site.json');
    await writeFile(configFile, JSON.stringify(config));
    const laneScanner = config.checkpoints[0]?.lanes[0]?.devices.scanner;
    const scanner = laneScanner?.kind === 'evdev' ? undefined : laneScanner?.port.path;
    if (!scanner) throw new Error('no scanner in the test config');

    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'gatepost.js'),
        'sim',
        '--console',
        '--quiet',
        '--gpio',
        'none',
        '--config',
        configFile,
      ],
      { cwd: dir, env: { ...process.env, GATEPOST_DIST: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // Wait for the devices to be up: the banner, then the PTY of the first lane's scanner.
    const deadline = Date.now() + 40_000;
    while (!/simulating \d+ devices of site /.test(out) || !existsSync(scanner)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not up: ${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).not.toContain('type "help"'); // --quiet: no console
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(scanner)).toBe(false);
  }, 60_000);
});
