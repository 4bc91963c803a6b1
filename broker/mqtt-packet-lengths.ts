import { writeToStream } from 'mqtt-packet';

/** mqtt-packet keeps the encoding of every Remaining Length below this, once written. */
export const CACHED_LENGTHS = 16_384;
/** Lengths filled per timer turn in the background fill (~2-3 ms of work). */
const CHUNK = 512;
/** The shortest Remaining Length a QoS 0 PUBLISH to topic "a" has (2 + 1 bytes of topic). */
const FIRST = 3;

const sink = { write: () => true, destroy: () => undefined };
const payload = Buffer.alloc(CACHED_LENGTHS);

/**
 * Fills mqtt-packet's cache of encoded Remaining Lengths (its `varByteIntCache`) for the lengths
 * in [from, to), in this thread's copy of mqtt-packet (the one aedes and mqtt share, see
 * mqtt-packet-numbers.ts).
 *
 * Why: mqtt-packet caches the 1-2 byte encoding of each length below 16,384 the first time it
 * writes a packet of that length, as a slice of Node's 8 KB Buffer pool. A slice keeps its whole
 * slab alive, so each new length, written minutes after the last, pins another 8 KB: the 2-hour
 * soak's heap diff found +3.5 MB of such slabs, with no bound short of 16,384 × 8 KB. Written all
 * at once, the cache's slices (8 bytes each in the pool) share about 16 slabs (128 KB) and no later
 * packet adds one.
 * Writing goes to a sink that drops the bytes; the payloads are views of one buffer.
 */
export function fillLengthCache(from = FIRST, to = CACHED_LENGTHS): void {
  for (let n = Math.max(from, FIRST); n < Math.min(to, CACHED_LENGTHS); n++)
    writeToStream(
      {
        cmd: 'publish',
        topic: 'a',
        payload: payload.subarray(0, n - FIRST),
        qos: 0,
        retain: false,
        dup: false,
      },
      sink as never,
      { protocolVersion: 4 },
    );
}

/**
 * The same fill, in the background: it begins `afterMs` after the call (the gateway has started
 * by then) and does CHUNK lengths per turn of the event loop, so no turn waits on all of it
 * (80-190 ms in one go, cold, on this machine). No timer of it keeps the process alive (timers, as an unref'd
 * setImmediate made in an immediate's callback does not run in Node 20).
 */
export function fillLengthCacheLater(afterMs = 10_000, onDone?: () => void): void {
  const step = (from: number) => {
    fillLengthCache(from, from + CHUNK);
    if (from + CHUNK < CACHED_LENGTHS) setTimeout(step, 0, from + CHUNK).unref();
    else onDone?.();
  };
  setTimeout(step, afterMs, FIRST).unref();
}
