/** The sensors a receipt printer reports on. */
export interface SimPrinterState {
  paperOut: boolean;
  paperNearEnd: boolean;
  coverOpen: boolean;
}

/** Bits 1 and 4 are fixed at 1 (and 0 and 7 at 0) in every DLE EOT answer, so a host can tell it apart. */
const FIXED = 0x12;

/**
 * The one-byte answer to DLE EOT n (Epson ESC/POS "transmit real-time status"):
 * n = 1 printer status (bit 3: offline), n = 2 offline cause (bit 2: cover open, bit 5: printing
 * stopped by paper end), n = 3 error cause (no errors simulated), n = 4 roll paper sensor
 * (bits 2-3: near end, bits 5-6: paper end).
 */
export function statusByte(n: number, s: SimPrinterState): number {
  switch (n) {
    case 1:
      return FIXED | (s.paperOut || s.coverOpen ? 0x08 : 0);
    case 2:
      return FIXED | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0);
    case 4:
      return FIXED | (s.paperNearEnd ? 0x0c : 0) | (s.paperOut ? 0x60 : 0);
    default:
      return FIXED;
  }
}

/** The answer to GS r 1 (paper sensor status): bits 0-1 near end, bits 2-3 paper end. */
export function paperSensorByte(s: SimPrinterState): number {
  return (s.paperNearEnd ? 0x03 : 0) | (s.paperOut ? 0x0c : 0);
}
