import { hasValidCrc, withCrc } from '../../../devices/modbus/crc.ts';
import type { SerialLink } from '../../../devices/serial/link.ts';

/**
 * A Modbus RTU slave written from the datasheet (none of the master's code but the CRC) on the
 * device end of a real line, that misbehaves as told: `script` answers request n with any
 * bytes (wrong address, wrong function, a short byte count, cut off) after any delay, or stays
 * silent. Like a real slave, it ignores requests while it is still busy with one (composing a
 * late answer).
 */
export interface ModbusRequest {
  n: number;
  address: number;
  fn: number;
  quantity: number;
}
export type Script = (r: ModbusRequest) => { afterMs: number; bytes: Buffer } | 'silent';

export function registersAnswer(
  address: number,
  fn: number,
  regs: number[],
  byteCount = 2 * regs.length,
): Buffer {
  const b = Buffer.alloc(3 + 2 * regs.length);
  b[0] = address;
  b[1] = fn;
  b[2] = byteCount;
  for (const [i, r] of regs.entries()) b.writeUInt16BE(r, 3 + 2 * i);
  return withCrc(b);
}

export function handWrittenSlave(link: SerialLink, script: Script) {
  let pending = Buffer.alloc(0);
  let busyUntil = 0;
  const seen = { requests: 0, ignored: 0 };
  link.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const frame = pending.subarray(0, 8);
      pending = pending.subarray(8);
      if (!hasValidCrc(frame)) continue;
      if (performance.now() < busyUntil) {
        seen.ignored++;
        continue;
      }
      seen.requests++;
      const action = script({
        n: seen.requests,
        address: frame[0]!,
        fn: frame[1]!,
        quantity: frame.readUInt16BE(4),
      });
      if (action === 'silent') continue;
      busyUntil = performance.now() + action.afterMs;
      setTimeout(() => void link.write(action.bytes).catch(() => undefined), action.afterMs);
    }
  });
  return seen;
}
