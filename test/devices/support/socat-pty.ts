import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PtyPair as SocatPair, spawnPtyPair } from '../../../sim/attach/socat.ts';

/**
 * A pair of linked pseudo-terminals made by socat, for driver tests with raw bytes: the driver
 * opens `hostPath`, the test writes and reads at `devicePath`. `unplug()` ends socat (both
 * links vanish, the open ports see a hang-up), `replug()` makes the pair again at the same
 * paths. `close()` ends socat and removes the directory. Built on the simulator's socat helper.
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
  let pair: SocatPair | undefined;
  const start = async () => {
    pair = await spawnPtyPair(devicePath, hostPath);
  };
  const stop = async () => {
    const p = pair;
    pair = undefined;
    await p?.close();
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
