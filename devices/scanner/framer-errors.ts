import { ErrorCode } from '../../core/errors.ts';
import { hex, type Logger } from '../../core/logger.ts';
import type { DeviceErrorEvent } from '../events.ts';
import type { BadInputReason, ScannerFramerOutput } from './framer-io.ts';

const ERROR_CODES: Record<BadInputReason, ErrorCode> = {
  'too-long': ErrorCode.CodeTooLong,
  truncated: ErrorCode.CodeTruncated,
  'invalid-utf8': ErrorCode.CodeInvalidUtf8,
  nul: ErrorCode.CodeHasNul,
  implausible: ErrorCode.CodeImplausible,
  noise: ErrorCode.FrameDiscarded,
  unframed: ErrorCode.FrameDiscarded,
  babble: ErrorCode.FrameDiscarded,
};

const MESSAGES: Record<BadInputReason, string> = {
  'too-long': 'code longer than the cap, discarded up to the next terminator',
  truncated: 'code cut off by a gap inside it, discarded with its tail up to the terminator',
  'invalid-utf8': 'code is not valid UTF-8, discarded',
  nul: 'code contains NUL bytes, discarded',
  implausible:
    'not a plausible code (control characters, or a pass prefix with bytes outside its alphabet), discarded',
  noise: 'line noise between codes, discarded',
  unframed: 'code not framed by STX ... ETX and the terminator, discarded',
  babble: 'frames right behind bad input, with no quiet between (a babbling scanner or line), discarded',
};

/**
 * A bad frame from the scanner framer as the device error both scanner drivers report (serial
 * and keyboard-wedge: one catalogue of codes and messages), logged with only its first bytes in
 * hex: enough to see noise or a prefix, never a whole pass.
 */
export function scannerBadInput(
  out: Extract<ScannerFramerOutput, { kind: 'bad' }>,
  at: number,
  log: Logger,
): DeviceErrorEvent {
  const { reason, bytes, frames, why } = out;
  log.warn({ reason, why, bytes, frames, head: hex(out.head, 16) }, 'bad scanner input');
  const detail = why ? ` (${why})` : frames ? ` (${frames} frames)` : '';
  return { errorCode: ERROR_CODES[reason], kind: reason, message: `${MESSAGES[reason]}${detail}`, bytes, at };
}
