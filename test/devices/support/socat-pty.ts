import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pair of linked pseudo-terminals made by socat, for driver tests with raw bytes: the driver
 * opens `hostPath`, the test writes and reads at `devicePath`. `unplug()` ends socat (both
 * links vanish, the open ports see a hang-up), `replug()` makes the pair again at the same
 * paths. `close()` ends socat and removes the directory.
 */
export interface PtyPair {
  readonly hostPath: string;
  readonly devicePath: string;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function openPtyPair(name = 'dev'): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-pty-'));
  const hostPath = join(dir, `${name}-host`);
  const devicePath = join(dir, `${name}-device`);
  let proc: ChildProcess | undefined;

  const start = async () => {
    const child = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
      stdio: 'ignore',
    });
    proc = child;
    const deadline = Date.now() + 5000;
    while (!existsSync(hostPath) || !existsSync(devicePath)) {
      if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('socat did not make the PTY pair in 5 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const stop = async () => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    hostPath,
    devicePath,
    unplug: stop,
    replug: start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
