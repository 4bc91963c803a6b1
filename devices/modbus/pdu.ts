import { withCrc } from './crc.ts';

/** The Modbus function code the master uses. */
export const FC_READ_INPUT_REGISTERS = 0x04;

const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export function exceptionName(code: number): string {
  return EXCEPTION_NAMES[code] ?? `exception 0x${code.toString(16).padStart(2, '0')}`;
}

/** A read request (function 0x03 or 0x04) as an RTU frame, CRC appended. */
export function readRequest(address: number, functionCode: number, start: number, quantity: number): Buffer {
  if (!Number.isInteger(address) || address < 1 || address > 247)
    throw new RangeError(`bad slave address ${address}`);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 125)
    throw new RangeError(`bad quantity ${quantity}`);
  if (!Number.isInteger(start) || start < 0 || start + quantity > 0x10000)
    throw new RangeError(`bad start ${start}`);
  const pdu = Buffer.alloc(6);
  pdu.writeUInt8(address, 0);
  pdu.writeUInt8(functionCode, 1);
  pdu.writeUInt16BE(start, 2);
  pdu.writeUInt16BE(quantity, 4);
  return withCrc(pdu);
}

/** Length of the normal response to a read of `quantity` registers, CRC included. */
export function readResponseLength(quantity: number): number {
  return 5 + 2 * quantity;
}

export type ReadResponse =
  | { kind: 'registers'; registers: number[] }
  | { kind: 'exception'; exceptionCode: number }
  | { kind: 'malformed'; why: string };

/**
 * Decodes a CRC-checked response to a read of `quantity` registers from `address` with
 * `functionCode`. Registers come back unsigned; callers sign them as their map says.
 */
export function decodeReadResponse(
  frame: Uint8Array,
  address: number,
  functionCode: number,
  quantity: number,
): ReadResponse {
  if (frame.length < 5) return { kind: 'malformed', why: 'frame too short' };
  if (frame[0] !== address) return { kind: 'malformed', why: `answer from address ${frame[0]}` };
  const fn = frame[1] as number;
  if (fn === (functionCode | 0x80)) {
    if (frame.length !== 5) return { kind: 'malformed', why: 'exception frame of wrong length' };
    return { kind: 'exception', exceptionCode: frame[2] as number };
  }
  if (fn !== functionCode) return { kind: 'malformed', why: `function 0x${fn.toString(16)}` };
  const count = frame[2] as number;
  if (count !== 2 * quantity || frame.length !== readResponseLength(quantity)) {
    return { kind: 'malformed', why: `byte count ${count} for ${quantity} registers` };
  }
  const registers: number[] = [];
  for (let i = 0; i < quantity; i++)
    registers.push(((frame[3 + 2 * i] as number) << 8) | (frame[4 + 2 * i] as number));
  return { kind: 'registers', registers };
}

/** A 16-bit register read as a signed integer. */
export function toInt16(register: number): number {
  return register & 0x8000 ? register - 0x10000 : register;
}
