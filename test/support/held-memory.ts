import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Samples taken for one figure; their least is the figure. */
const SAMPLES = 5;
/** Wait between samples: V8 frees dead ArrayBuffers' memory on a background thread after a GC. */
const SETTLE_MS = 40;

let gc: (() => void) | undefined;

/**
 * Bytes this isolate still holds after a full GC: its heap in use plus its ArrayBuffers' memory
 * (Buffers' bytes live outside the heap).
 *
 * One GC and one read is not enough: V8 sweeps the backing stores of dead ArrayBuffers on a
 * background thread after the GC, so on a busy machine (CI, two cores, every test file at once)
 * `process.memoryUsage().arrayBuffers` can still count megabytes that are already garbage. A
 * camera test read 6.3 MB "held" of a push the gateway had let go, twice in a row on CI. So this
 * collects and reads SAMPLES times, SETTLE_MS apart, and gives the least: memory really held is
 * in every sample; garbage waiting for the sweeper is not in the last ones.
 */
export async function heldBytes(): Promise<number> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(SETTLE_MS);
    gc();
    const m = process.memoryUsage();
    least = Math.min(least, m.heapUsed + m.arrayBuffers);
  }
  return least;
}
