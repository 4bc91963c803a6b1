import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dropMqttNumberCache } from '../../broker/mqtt-packet-numbers.ts';

interface MqttPacket {
  writeToStream: { cacheNumbers: boolean };
  generate(packet: object): Buffer;
  parser(): { on(e: 'packet', f: (p: { messageId?: number }) => void): void; parse(b: Buffer): void };
}

/** mqtt-packet as `user` loads it (the module instance whose cache the call turns off). */
function packetOf(user: string): MqttPacket {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve(user))('mqtt-packet') as MqttPacket;
}

describe("mqtt-packet's cache of packet ids", () => {
  it('is off in the copy the broker (aedes) and the client (mqtt) write with, and ids still encode', () => {
    dropMqttNumberCache();
    for (const user of ['aedes', 'mqtt']) {
      const packet = packetOf(user);
      // One copy for both: the one the gateway's import reaches (else the call missed theirs).
      expect(packet).toBe(packetOf('./../../broker/mqtt-packet-numbers.ts'));
      expect(packet.writeToStream.cacheNumbers).toBe(false);
      for (const messageId of [1, 255, 256, 40_000, 65_535]) {
        const bytes = packet.generate({ cmd: 'puback', messageId });
        const parser = packet.parser();
        let got: number | undefined;
        parser.on('packet', (p) => {
          got = p.messageId;
        });
        parser.parse(bytes);
        expect(got).toBe(messageId);
      }
    }
  });
});
