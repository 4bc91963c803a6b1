import type { SerialPortSettings } from './port-settings.ts';

export type LineSettings = Pick<SerialPortSettings, 'baudRate' | 'dataBits' | 'parity' | 'stopBits'>;

/** Bits on the wire for one character: start + data + parity + stop (8N1: 10). */
function bitsPerChar(s: LineSettings): number {
  return 1 + s.dataBits + (s.parity === 'none' ? 0 : 1) + s.stopBits;
}

/** Time one character takes on the wire, in ms (9600 8N1: 1.04 ms). */
export function charTimeMs(s: LineSettings): number {
  return (bitsPerChar(s) * 1000) / s.baudRate;
}

/** Time `bytes` characters take on the wire, in ms. */
export function wireTimeMs(bytes: number, s: LineSettings): number {
  return bytes * charTimeMs(s);
}
