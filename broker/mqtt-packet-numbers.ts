import { createRequire } from 'node:module';

/**
 * Turns off mqtt-packet's cache of encoded numbers in this thread's copy of it, the one `user`
 * (`aedes` on the broker's thread, `mqtt` for the gateway's own client) loads. On the first packet
 * it writes, mqtt-packet otherwise makes one 2-byte Buffer for each of the 65,536 packet ids and
 * keeps them all: 6.1 MB of V8 heap in each isolate that writes MQTT (heap snapshots of the
 * gateway under rush hour: 6.0 MB of 33 MB on the main thread, 6.1 MB of 21 MB on the broker's),
 * ~13 MB of the process's RSS, to save allocating 2 bytes from Node's Buffer pool per packet id.
 * Each isolate has its own module instances, so each thread calls this itself, before it writes.
 */
export function dropMqttNumberCache(user: 'aedes' | 'mqtt'): void {
  const require = createRequire(import.meta.url);
  const packet = createRequire(require.resolve(user))('mqtt-packet') as {
    writeToStream: { cacheNumbers: boolean };
  };
  packet.writeToStream.cacheNumbers = false;
}
