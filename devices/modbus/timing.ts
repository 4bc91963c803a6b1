import { charTimeMs, type LineSettings, wireTimeMs } from '../serial/line-timing.ts';

export { charTimeMs, wireTimeMs } from '../serial/line-timing.ts';

/**
 * The Modbus RTU inter-frame silence t3.5: 3.5 character times, fixed at 1.75 ms above
 * 19200 baud (Modbus over Serial Line V1.02, 2.5.1.1).
 */
export function t35Ms(s: LineSettings): number {
  return s.baudRate > 19200 ? 1.75 : 3.5 * charTimeMs(s);
}

/**
 * The least time one poll of `quantity` input registers takes on the wire: the 8-byte request,
 * a t3.5 silence, the (5 + 2 × quantity)-byte response and the t3.5 silence before the next
 * request. A slave's own turnaround time comes on top.
 */
export function pollWireTimeMs(quantity: number, s: LineSettings): number {
  return wireTimeMs(8 + 5 + 2 * quantity, s) + 2 * t35Ms(s);
}
