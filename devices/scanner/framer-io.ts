import type { ImplausibleWhy } from './plausible-code.ts';

/** What the scanner framer (framer.ts) is set up with and what it puts out. */
export type Terminator = 'CR' | 'LF' | 'CRLF';

export interface ScannerFramerOptions {
  terminator: Terminator;
  stxEtx: boolean;
  maxCodeBytes: number;
  interByteGapMs: number;
  /** Silence that ends the discard of a cut code's tail without a terminator (default 1000). */
  resyncSilenceMs?: number;
  /**
   * Wire time of one character (9600 8N1: 1.04 ms). A chunk of n bytes that arrives at `at`
   * began on the wire at least (n - 1) characters earlier; the gap is measured to that, so a
   * stalled reader that gets a whole code in one late chunk does not see a false gap. 0: off.
   */
  charTimeMs?: number;
}

export type BadInputReason =
  | 'too-long'
  | 'truncated'
  | 'invalid-utf8'
  | 'nul'
  | 'implausible'
  | 'noise'
  | 'unframed'
  | 'babble';

export type ScannerFramerOutput =
  | { kind: 'code'; text: string; bytes: number }
  /**
   * `bytes` counts what was thrown away; `head` is at most its first 16 bytes, for a hex log;
   * `frames`, for babble, the number of frames in it; `why`, for implausible codes.
   */
  | {
      kind: 'bad';
      reason: BadInputReason;
      bytes: number;
      head: Buffer;
      frames?: number;
      why?: ImplausibleWhy;
    };
