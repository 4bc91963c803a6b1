import { hasValidCrc, withCrc } from '../../../devices/modbus/crc.ts';

/** Modbus RTU on the slave side: pure functions from request frames to reply frames. */
export const ModbusFunction = {
  ReadHoldingRegisters: 0x03,
  ReadInputRegisters: 0x04,
} as const;

export const ModbusExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  ServerDeviceBusy: 0x06,
} as const;

/** Largest RTU frame (ADU): address + 253-byte PDU + CRC. */
export const MAX_RTU_FRAME = 256;
/** Most registers one read may ask for (Modbus application protocol 6.3/6.4). */
export const MAX_READ_REGISTERS = 125;
/** The broadcast address: writes are applied by every slave, nobody replies. */
export const BROADCAST = 0;

export interface ModbusRequest {
  /** Slave address the request is for (0 = broadcast). */
  unit: number;
  fn: number;
  /** The PDU after the function code (without CRC). */
  data: Buffer;
  /** The whole frame as received, CRC included. */
  frame: Buffer;
}

export type ParsedFrame = { ok: true; request: ModbusRequest } | { ok: false; reason: 'short' | 'crc' };

/** Checks length and CRC of one silence-delimited frame. */
export function parseRtuFrame(frame: Buffer): ParsedFrame {
  if (frame.length < 4) return { ok: false, reason: 'short' };
  if (!hasValidCrc(frame)) return { ok: false, reason: 'crc' };
  return {
    ok: true,
    request: {
      unit: frame[0] as number,
      fn: frame[1] as number,
      data: frame.subarray(2, frame.length - 2),
      frame,
    },
  };
}

/** A normal reply frame: address, function, data, CRC. */
export function rtuReply(unit: number, fn: number, data: Uint8Array): Buffer {
  const body = Buffer.alloc(2 + data.length);
  body[0] = unit;
  body[1] = fn;
  body.set(data, 2);
  return withCrc(body);
}

/** An exception reply frame: address, function | 0x80, exception code, CRC. */
export function rtuException(unit: number, fn: number, code: number): Buffer {
  return withCrc(Buffer.from([unit, (fn | 0x80) & 0xff, code]));
}

/** The data of a register read reply: byte count, then each register big-endian. */
export function registersData(values: readonly number[]): Buffer {
  const out = Buffer.alloc(1 + values.length * 2);
  out[0] = values.length * 2;
  for (const [i, v] of values.entries()) out.writeUInt16BE(v & 0xffff, 1 + i * 2);
  return out;
}

/** Start and quantity of a read request (functions 0x03/0x04), or undefined if the PDU is not 4 bytes. */
export function readRange(req: ModbusRequest): { start: number; quantity: number } | undefined {
  if (req.data.length !== 4) return undefined;
  return { start: req.data.readUInt16BE(0), quantity: req.data.readUInt16BE(2) };
}

/** A temperature in °C as the signed 16-bit, 0.1 °C register value (clamped to int16). */
export function tenthsRegister(celsius: number): number {
  const v = Math.max(-32768, Math.min(32767, Math.round(celsius * 10)));
  return v & 0xffff;
}
