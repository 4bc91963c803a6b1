import { hasValidCrc, withCrc } from '../../../devices/modbus/crc.ts';
import type { InProcessLink } from '../../../devices/serial/in-process-hub.ts';

export type SlaveAnswer = { registers: number[] } | { exception: number } | { raw: Buffer } | 'silent';

/**
 * A minimal Modbus RTU slave on the device end of an in-process line, written from the
 * datasheet with none of the driver's code but the CRC: it answers each read request (whole
 * 8-byte frames) as `answer(address, function, start, quantity)` says.
 */
export function rawModbusSlave(
  device: InProcessLink,
  answer: (address: number, fn: number, start: number, quantity: number) => SlaveAnswer,
): { requests: number } {
  const stats = { requests: 0 };
  device.on('data', (chunk: Buffer) => {
    if (chunk.length !== 8 || !hasValidCrc(chunk)) return;
    stats.requests++;
    const address = chunk[0]!;
    const fn = chunk[1]!;
    const a = answer(address, fn, chunk.readUInt16BE(2), chunk.readUInt16BE(4));
    if (a === 'silent') return;
    if ('raw' in a) {
      void device.write(a.raw);
      return;
    }
    if ('exception' in a) {
      void device.write(withCrc(Buffer.from([address, fn | 0x80, a.exception])));
      return;
    }
    const body = Buffer.alloc(3 + 2 * a.registers.length);
    body[0] = address;
    body[1] = fn;
    body[2] = 2 * a.registers.length;
    for (const [i, r] of a.registers.entries()) body.writeUInt16BE(r & 0xffff, 3 + 2 * i);
    void device.write(withCrc(body));
  });
  return stats;
}
