import { existsSync } from 'node:fs';
import { readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnPtyPair } from '../../sim/attach/socat.ts';
import { closeAllPtys, isProcessAlive, openPtyPair } from '../support/pty.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

afterEach(async () => {
  await closeAllPtys();
  await removeTempDirs();
});

describe('test/support/pty.ts', () => {
  it('links two PTYs both ways and cleans up socat, links and temp dir', async () => {
    const pty = await openPtyPair('probe');
    expect(existsSync(pty.device)).toBe(true);
    expect(existsSync(pty.host)).toBe(true);
    expect(isProcessAlive(pty.pid)).toBe(true);

    const device = await openHostEnd(pty.device, format8N1(9600));
    const host = await openHostEnd(pty.host, format8N1(9600));
    const atHost = new ByteRecorder(host);
    const atDevice = new ByteRecorder(device);
    await device.write(Buffer.from('ping'));
    await host.write(Buffer.from('pong'));
    expect((await atHost.waitForBytes(4)).toString()).toBe('ping');
    expect((await atDevice.waitForBytes(4)).toString()).toBe('pong');
    await device.close();
    await host.close();

    await pty.close();
    expect(pty.exited).toBe(true);
    expect(isProcessAlive(pty.pid)).toBe(false);
    expect(existsSync(pty.host)).toBe(false);
    expect(existsSync(pty.dir)).toBe(false);
  });

  it('closeAllPtys kills every pair still open', async () => {
    const pairs = await Promise.all([openPtyPair('a'), openPtyPair('b')]);
    await closeAllPtys();
    for (const p of pairs) expect(isProcessAlive(p.pid)).toBe(false);
  });

  it('never replaces a file or device node with a PTY link, only a stale symlink', async () => {
    const dir = await makeTempDir();
    const real = join(dir, 'ttyS0');
    await writeFile(real, 'not a tty');
    await expect(spawnPtyPair(join(dir, 'dev'), real)).rejects.toThrow(/not a symlink/);
    expect(await readFile(real, 'utf8')).toBe('not a tty');
    const stale = join(dir, 'stale');
    await symlink('/dev/pts/999', stale);
    const pair = await spawnPtyPair(join(dir, 'dev'), stale);
    expect(await readlink(stale)).not.toBe('/dev/pts/999');
    await pair.close();
  });

  it('refuses link paths socat would misparse, and reports a missing socat', async () => {
    await expect(spawnPtyPair('/tmp/a,b', '/tmp/c')).rejects.toThrow(RangeError);
    await expect(
      spawnPtyPair('/tmp/gp-x1', '/tmp/gp-x2', { socatPath: '/nonexistent/socat' }),
    ).rejects.toThrow(/is socat installed/);
  });
});
