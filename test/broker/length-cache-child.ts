/**
 * Child of mqtt-packet-lengths.test.ts (run with --expose-gc): writes 3,000 PUBLISH packets of
 * distinct Remaining Lengths through mqtt-packet, starting a new Buffer pool slab before each
 * (as a gateway does between packets minutes apart), and prints how many bytes of ArrayBuffers
 * are still alive after a GC. Argument `fill`: fill the length cache first; `later`: let the gateway's background fill run.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { writeToStream } from 'mqtt-packet';
import { CACHED_LENGTHS, fillLengthCache, fillLengthCacheLater } from '../../broker/mqtt-packet-lengths.ts';
import { dropMqttNumberCache } from '../../broker/mqtt-packet-numbers.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
dropMqttNumberCache();
if (process.argv[2] === 'fill') fillLengthCache();
if (process.argv[2] === 'later') {
  const keepAlive = setInterval(() => undefined, 1000); // the fill's timers do not hold the process
  await new Promise<void>((done) => fillLengthCacheLater(0, done));
  clearInterval(keepAlive);
}
const sink = { write: () => true, destroy: () => undefined } as never;
const payload = Buffer.alloc(CACHED_LENGTHS);
/** A full GC, and turns for V8 to free ArrayBuffer backing stores (it does so on a background thread). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(50);
  }
}
await settle();
const before = process.memoryUsage().arrayBuffers;
for (let i = 0; i < 3000; i++) {
  Buffer.allocUnsafe(4000); // most of a pool slab: the next small slice starts a new one
  const n = 10 + ((i * 7919) % (CACHED_LENGTHS - 20));
  writeToStream(
    {
      cmd: 'publish',
      topic: 'gatepost/x',
      payload: payload.subarray(0, n),
      qos: 0,
      retain: false,
      dup: false,
    },
    sink,
  );
}
await settle();
process.stdout.write(JSON.stringify({ grownBytes: process.memoryUsage().arrayBuffers - before }));
