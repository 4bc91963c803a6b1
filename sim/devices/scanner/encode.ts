import type { ScannerConfig } from '../../../devices/scanner/config.ts';

export const STX = 0x02;
export const ETX = 0x03;
export const CR = 0x0d;
export const LF = 0x0a;

/** The longest code a scanner decodes (datasheet section 1), not counting framing. */
export const SCANNER_MAX_CODE_BYTES = 4096;

const TERMINATORS: Record<ScannerConfig['terminator'], readonly number[]> = {
  CR: [CR],
  LF: [LF],
  CRLF: [CR, LF],
};

/**
 * How long the line must stay quiet after bad input (a cut-off code, a garbage line) before the
 * gateway believes the next code: the bytes that follow a cut-off code within the resync
 * silence are its tail, and a code right behind a garbage line is babble (devices/scanner/framer.ts).
 */
export function quietAfterBadInputMs(
  format: Pick<ScannerConfig, 'interByteGapMs' | 'resyncSilenceMs'>,
): number {
  return Math.max(format.interByteGapMs, format.resyncSilenceMs);
}

/** A code as the scanner puts it on the wire: [STX] code [ETX] terminator. */
export function scannerFrame(code: Uint8Array, format: Pick<ScannerConfig, 'terminator' | 'stxEtx'>): Buffer {
  const term = TERMINATORS[format.terminator];
  const parts: Uint8Array[] = [];
  if (format.stxEtx) parts.push(Uint8Array.of(STX));
  parts.push(code);
  if (format.stxEtx) parts.push(Uint8Array.of(ETX));
  parts.push(Uint8Array.from(term));
  return Buffer.concat(parts);
}

/** The code's bytes (UTF-8 for text), checked against what a scanner can decode: 1-4,096 bytes. */
export function codeBytes(code: string | Uint8Array): Buffer {
  const bytes = typeof code === 'string' ? Buffer.from(code, 'utf8') : Buffer.from(code);
  if (bytes.length < 1 || bytes.length > SCANNER_MAX_CODE_BYTES) {
    throw new RangeError(
      `a scanner decodes codes of 1-${SCANNER_MAX_CODE_BYTES} bytes, got ${bytes.length}; use sendRaw for anything else`,
    );
  }
  return bytes;
}
