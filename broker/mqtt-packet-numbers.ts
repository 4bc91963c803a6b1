import { writeToStream } from 'mqtt-packet';

/**
 * Turns off mqtt-packet's cache of encoded numbers in this thread's copy of it, the one both
 * `aedes` (the broker's thread) and `mqtt` (the gateway's own client) write with: one copy, as
 * npm installs it once for both (test/broker/mqtt-packet-numbers.test.ts checks) and as the
 * release build bundles it once. On the first packet it writes, mqtt-packet otherwise makes one
 * 2-byte Buffer for each of the 65,536 packet ids and keeps them all: 6.1 MB of V8 heap in each
 * isolate that writes MQTT (heap snapshots of the gateway under rush hour: 6.0 MB of 33 MB on the
 * main thread, 6.1 MB of 21 MB on the broker's), ~13 MB of the process's RSS, and ~30 ms of a
 * cold start, to save allocating 2 bytes from Node's Buffer pool per packet id. Each isolate has
 * its own module instances, so each thread calls this itself, before it writes.
 */
export function dropMqttNumberCache(): void {
  writeToStream.cacheNumbers = false;
}
