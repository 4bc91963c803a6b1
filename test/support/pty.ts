import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PtyPair, spawnPtyPair } from '../../sim/attach/socat.ts';

/**
 * Real pseudo-terminal pairs for tests (needs socat). Each pair lives in its own temp dir under
 * os.tmpdir(): `device` is the end a simulated device (or a test playing one) opens, `host` the
 * end the gateway's driver opens, exactly as it would open /dev/ttyUSB0.
 *
 *   const pty = await openPtyPair('scanner');
 *   afterEach(closeAllPtys);   // kills every socat by PID and removes the temp dirs
 */
export interface TestPty {
  readonly dir: string;
  readonly device: string;
  readonly host: string;
  readonly pid: number;
  readonly exited: boolean;
  /** Kills socat (by PID) and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

const open = new Set<TestPty>();

export async function openPtyPair(name = 'tty'): Promise<TestPty> {
  if (!/^[a-z0-9-]+$/i.test(name))
    throw new RangeError(`PTY name must be letters, digits or dashes: ${name}`);
  const dir = await mkdtemp(join(tmpdir(), 'gatepost-pty-'));
  let pair: PtyPair;
  try {
    pair = await spawnPtyPair(join(dir, `${name}-device`), join(dir, `${name}-host`));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const pty: TestPty = {
    dir,
    device: pair.a,
    host: pair.b,
    pid: pair.pid,
    get exited() {
      return pair.exited;
    },
    close: async () => {
      open.delete(pty);
      await pair.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  open.add(pty);
  return pty;
}

/** Closes every pair opened by openPtyPair that is still open; use in afterEach/afterAll. */
export async function closeAllPtys(): Promise<void> {
  await Promise.all([...open].map((p) => p.close()));
}

/** True if a process with this PID is still running (for asserting that cleanup happened). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
