import type { ScannerConfig } from '../../devices/scanner/config.ts';
import { SCANNER_MAX_CODE_BYTES, STX, scannerFrame } from '../devices/scanner/encode.ts';
import type { Random } from '../random.ts';

/** The bytes of the faults that are about bytes on a serial line: pure functions of a Random. */

/** Line noise: `n` random bytes, anything from 0x00 to 0xFF (terminators included). */
export function noiseBytes(random: Random, n: number): Buffer {
  return random.bytes(n);
}

const JUNK: readonly number[] = [
  0x00, // NUL
  0xff, // never valid in UTF-8
  0xc3, // a lead byte; followed by ASCII it is invalid UTF-8
  0x80, // a lone continuation byte
  0x07,
  0x1b,
  0x7f,
];

/**
 * A line of junk as a misconfigured or failing scanner sends it: NUL, invalid UTF-8 and control
 * bytes among printable ones, framed and terminated as the scanner is configured, so it arrives
 * as one bad "code". Never contains a terminator, STX or ETX inside.
 */
export function garbageLine(random: Random, format: Pick<ScannerConfig, 'terminator' | 'stxEtx'>): Buffer {
  const n = random.int(8, 40);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    body[i] = random.chance(0.4) ? random.pick(JUNK) : random.int(0x21, 0x7e);
  }
  body[0] = 0x00; // at least one NUL and one invalid UTF-8 sequence, whatever was drawn
  body[1] = 0xff;
  return scannerFrame(body, format);
}

/**
 * The first part of a code as the scanner sent it before it was cut off (STX included when
 * framed): at least one byte, never the whole code, never the terminator.
 */
export function truncatedCode(random: Random, code: string, format: Pick<ScannerConfig, 'stxEtx'>): Buffer {
  const bytes = Buffer.from(code, 'utf8');
  const cut = random.int(1, Math.max(1, bytes.length - 1));
  const head = bytes.subarray(0, cut);
  return format.stxEtx ? Buffer.concat([Buffer.from([STX]), head]) : Buffer.from(head);
}

/** A code of `n` bytes (default 5,000, over the 4,096-byte cap), framed and terminated. */
export function overlongCode(n: number, format: Pick<ScannerConfig, 'terminator' | 'stxEtx'>): Buffer {
  if (n <= SCANNER_MAX_CODE_BYTES)
    throw new RangeError(`an over-long code is over ${SCANNER_MAX_CODE_BYTES} bytes`);
  const body = Buffer.alloc(n, 0x41); // 'A'
  body.write('GP1:', 0, 'latin1');
  return scannerFrame(body, format);
}
