import { toInt16 } from '../modbus/pdu.ts';

/** The thermometer's input registers, datasheet section 2. */
export const THERMOMETER_START = 0x0000;
export const THERMOMETER_QUANTITY = 3;

export interface ThermometerSample {
  /** IR0, object (skin) temperature, °C. */
  objectC: number;
  /** IR1, ambient temperature, °C. */
  ambientC: number;
  /** IR2 bit 0. */
  present: boolean;
  /** IR2 bit 1. */
  stable: boolean;
  /** IR2 bit 2: every reading of this poll is invalid. */
  fault: boolean;
}

/** Decodes IR0-IR2: signed 16-bit tenths of a degree, then the status bits. */
export function decodeThermometerRegisters(registers: readonly number[]): ThermometerSample {
  const [ir0 = 0, ir1 = 0, ir2 = 0] = registers;
  return {
    objectC: toInt16(ir0) / 10,
    ambientC: toInt16(ir1) / 10,
    present: (ir2 & 0b001) !== 0,
    stable: (ir2 & 0b010) !== 0,
    fault: (ir2 & 0b100) !== 0,
  };
}
