import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from './clock.ts';

let lastMs = -1;
let seq = 0;

/**
 * Time-ordered unique record ids (UUIDv7, RFC 9562), monotonic within this process: ids made
 * in the same millisecond (or after the clock stepped back) still sort in the order they were
 * made. The time part comes from the injected clock so ids sort with the records' timestamps.
 */
export function recordId(clock: Clock): string {
  let ms = clock.now();
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
  } else {
    seq = randomInt(0, 2 ** 30);
  }
  lastMs = ms;
  return uuidv7({ msecs: ms, seq });
}
