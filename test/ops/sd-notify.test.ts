import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { SdNotify } from '../../gateway/ops/sd-notify.ts';

/**
 * systemd notifications: what is sent when, through a stand-in `systemd-notify` that writes its
 * arguments to a file; and the real binary's datagram, received by socat on a unix socket.
 */
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-sd-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fake systemd-notify: appends `NOTIFY_SOCKET args...` as one line to calls.txt. */
function fakeBinary(dir: string): { binary: string; calls: () => string[] } {
  const binary = join(dir, 'systemd-notify');
  const out = join(dir, 'calls.txt');
  writeFileSync(binary, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> '${out}'\n`);
  chmodSync(binary, 0o755);
  return { binary, calls: () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []) };
}

const hasBinary = (name: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
};

describe('SdNotify', () => {
  it('does nothing when not started by systemd (no NOTIFY_SOCKET)', async () => {
    const dir = tempDir();
    const fake = fakeBinary(dir);
    const sd = new SdNotify({ log: silentLogger(), env: {}, binary: fake.binary });
    await sd.ready('ready');
    await sd.stopping();
    expect(sd.enabled).toBe(false);
    expect(fake.calls()).toEqual([]);
  });

  it('sends READY with a status, pings the watchdog every half interval, and STOPPING', async () => {
    const dir = tempDir();
    const fake = fakeBinary(dir);
    const env = {
      NOTIFY_SOCKET: '/run/test.sock',
      WATCHDOG_USEC: '1000000',
      WATCHDOG_PID: String(process.pid),
    };
    const sd = new SdNotify({ log: silentLogger(), env, binary: fake.binary });
    cleanup.push(() => sd.stopWatchdog());
    expect(sd.watchdogMs).toBe(1000);
    await sd.ready('ready');
    await new Promise((res) => setTimeout(res, 1300));
    await sd.stopping();
    const calls = fake.calls();
    expect(calls[0]).toBe('/run/test.sock READY=1 STATUS=ready');
    const pings = calls.filter((c) => c === '/run/test.sock WATCHDOG=1').length;
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(pings).toBeLessThanOrEqual(3);
    expect(calls.at(-1)).toBe('/run/test.sock STOPPING=1');
  });

  it('withholds the pings while unhealthy (a hung loop sends none anyway), and for another PID', async () => {
    const dir = tempDir();
    const fake = fakeBinary(dir);
    const env = { NOTIFY_SOCKET: '/run/test.sock', WATCHDOG_USEC: '1000000' };
    const sd = new SdNotify({ log: silentLogger(), env, binary: fake.binary, healthy: () => false });
    cleanup.push(() => sd.stopWatchdog());
    await sd.ready('ready');
    await new Promise((res) => setTimeout(res, 1200));
    sd.stopWatchdog();
    expect(fake.calls().filter((c) => c.includes('WATCHDOG=1'))).toEqual([]);
    const other = new SdNotify({
      log: silentLogger(),
      env: { ...env, WATCHDOG_PID: '1' },
      binary: fake.binary,
    });
    expect(other.watchdogMs).toBeUndefined();
  });

  it.runIf(hasBinary('systemd-notify') && hasBinary('socat'))(
    'the real systemd-notify puts READY=1 on the NOTIFY_SOCKET datagram socket',
    async () => {
      const dir = tempDir();
      const socket = join(dir, 'notify.sock');
      const receiver: ChildProcess = spawn('socat', ['-u', `UNIX-RECV:${socket}`, '-'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const exited = new Promise((res) => receiver.once('exit', res));
      cleanup.push(async () => {
        receiver.kill('SIGTERM');
        await exited;
      });
      let received = '';
      receiver.stdout?.on('data', (c: Buffer) => {
        received += c.toString();
      });
      while (!existsSync(socket)) await new Promise((res) => setTimeout(res, 10));
      // --no-block: socat is not systemd and would never answer the barrier.
      const sd = new SdNotify({ log: silentLogger(), env: { NOTIFY_SOCKET: socket }, noBlock: true });
      await sd.ready('ready: 5 lanes');
      await expect.poll(() => received, { timeout: 3000 }).toContain('READY=1');
      expect(received).toContain('STATUS=ready: 5 lanes');
    },
  );
});
