import type { PrinterStatus } from './receipt.ts';

/**
 * ESC/POS real-time status (pure): DLE EOT n (10 04 n) asks, the printer answers one byte at
 * once, even while offline or busy printing. As Epson's command reference documents it
 * (https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/dle_eot.html), every reply byte
 * has bit 0 = 0, bit 1 = 1, bit 4 = 1 and bit 7 = 0 (so it can never be XON 0x11 or XOFF 0x13);
 * the other bits:
 *
 *   n = 1 printer status     bit 3: offline
 *   n = 2 offline cause      bit 2: cover open; bit 3: paper fed by the FEED button;
 *                            bit 5: printing stopped by paper end; bit 6: an error occurred
 *   n = 4 roll paper sensor  bits 2+3: paper near end; bits 5+6: paper end
 *
 * A byte whose fixed bits are wrong is no status reply: garbage, refused (the driver reports it).
 */
export const DLE = 0x10;
export const EOT = 0x04;

/** The status requests the driver makes, in the order it makes them. */
export const STATUS_REQUESTS = [1, 2, 4] as const;
export type StatusRequest = (typeof STATUS_REQUESTS)[number];

export function statusRequestBytes(n: StatusRequest): Buffer {
  return Buffer.from([DLE, EOT, n]);
}

/** Bits 0, 1, 4 and 7: fixed in every DLE EOT reply. */
const FIXED_MASK = 0b1001_0011;
const FIXED_VALUE = 0b0001_0010;

/** True if `byte` has the fixed bits of a DLE EOT reply. */
export function isStatusByte(byte: number): boolean {
  return Number.isInteger(byte) && byte >= 0 && byte <= 0xff && (byte & FIXED_MASK) === FIXED_VALUE;
}

const bit = (byte: number, n: number): boolean => (byte & (1 << n)) !== 0;

export interface PrinterStatusBits {
  /** n = 1, bit 3. */
  offline: boolean;
}
export interface OfflineCauseBits {
  coverOpen: boolean;
  feedButton: boolean;
  paperEndStop: boolean;
  error: boolean;
}
export interface PaperSensorBits {
  nearEnd: boolean;
  paperEnd: boolean;
}

export type StatusReply =
  | { ok: true; n: 1; bits: PrinterStatusBits }
  | { ok: true; n: 2; bits: OfflineCauseBits }
  | { ok: true; n: 4; bits: PaperSensorBits }
  | { ok: false; n: StatusRequest; byte: number; message: string };

const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

/** Reads the reply byte to DLE EOT n; a byte without the fixed bits is refused. */
export function parseStatusReply(n: StatusRequest, byte: number): StatusReply {
  if (!isStatusByte(byte)) {
    return {
      ok: false,
      n,
      byte,
      message: `${hex(byte)} is no DLE EOT ${n} reply (bits 1 and 4 must be set, bits 0 and 7 clear)`,
    };
  }
  switch (n) {
    case 1:
      return { ok: true, n, bits: { offline: bit(byte, 3) } };
    case 2:
      return {
        ok: true,
        n,
        bits: {
          coverOpen: bit(byte, 2),
          feedButton: bit(byte, 3),
          paperEndStop: bit(byte, 5),
          error: bit(byte, 6),
        },
      };
    case 4:
      return {
        ok: true,
        n,
        // Both bits of a pair are set together; either one alone is taken as the condition.
        bits: { nearEnd: bit(byte, 2) || bit(byte, 3), paperEnd: bit(byte, 5) || bit(byte, 6) },
      };
  }
}

/** The three replies of one status round, as far as they came. */
export interface StatusRound {
  printer?: PrinterStatusBits;
  offlineCause?: OfflineCauseBits;
  paper?: PaperSensorBits;
}

/**
 * The printer's status from the replies of one round (and the previous status for what this
 * round did not bring). `online` says it answered; the faults are the printer's own words.
 */
export function toPrinterStatus(round: StatusRound, at: number, previous?: PrinterStatus): PrinterStatus {
  const paperOut = round.paper?.paperEnd ?? round.offlineCause?.paperEndStop ?? previous?.paperOut ?? false;
  return {
    online: round.printer !== undefined || round.offlineCause !== undefined || round.paper !== undefined,
    paperOut: paperOut || (round.offlineCause?.paperEndStop ?? false),
    paperNearEnd: round.paper?.nearEnd ?? previous?.paperNearEnd ?? false,
    coverOpen: round.offlineCause?.coverOpen ?? previous?.coverOpen ?? false,
    error: round.offlineCause?.error ?? previous?.error ?? false,
    at,
  };
}

/** Why a status keeps a receipt from printing, if it does (the first of: offline, cover, paper, error). */
export function blockingFault(
  status: PrinterStatus,
  printerOffline: boolean,
): { reason: 'offline' | 'cover-open' | 'paper-out' | 'error'; message: string } | undefined {
  if (!status.online) return { reason: 'offline', message: 'the printer does not answer' };
  if (status.coverOpen) return { reason: 'cover-open', message: 'the printer cover is open' };
  if (status.paperOut) return { reason: 'paper-out', message: 'the printer is out of paper' };
  if (status.error) return { reason: 'error', message: 'the printer reports an error' };
  if (printerOffline) return { reason: 'offline', message: 'the printer reports itself offline' };
  return undefined;
}
