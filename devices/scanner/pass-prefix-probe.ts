import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { PASS_PREFIXES } from './plausible-code.ts';

/**
 * The first bytes of a burst that comes, after a silence of more than the inter-byte gap, while
 * the framer is discarding a cut code's tail (devices/scanner/framer.ts): held until they show
 * whether the burst begins with a pass prefix (`GP1:`, `HC1:`). If it does, it is a new scan and
 * not the tail; if not, the held bytes are the tail's and are discarded with it. Holds at most
 * 4 bytes, whatever it is fed.
 */
const PREFIXES = PASS_PREFIXES.map((p) => Buffer.from(p, 'latin1'));
const PROBE_BYTES = PREFIXES[0]?.length ?? 0;
if (PREFIXES.some((p) => p.length !== PROBE_BYTES))
  throw new GatepostError(ErrorCode.Internal, 'pass prefixes must have one length');

export type ProbeSeen = 'more' | 'prefix' | 'no-prefix';

export class PassPrefixProbe {
  private readonly held = Buffer.alloc(PROBE_BYTES);
  private len = 0;
  private open = false;

  /** True from `start()` until `take()`. */
  get watching(): boolean {
    return this.open;
  }

  /** A burst begins: its first bytes are held and watched. */
  start(): void {
    this.open = true;
    this.len = 0;
  }

  /**
   * One more byte of the burst: `more` (still could be a prefix), `prefix` (the burst begins
   * with a whole prefix) or `no-prefix`. After `prefix` or `no-prefix`, `take()` the bytes.
   */
  add(b: number): ProbeSeen {
    this.held[this.len++] = b;
    const seen = this.held.subarray(0, this.len);
    if (!PREFIXES.some((p) => p.subarray(0, this.len).equals(seen))) return 'no-prefix';
    return this.len === PROBE_BYTES ? 'prefix' : 'more';
  }

  /** The bytes held (a copy), and the probe stops watching. */
  take(): Buffer {
    const bytes = Buffer.from(this.held.subarray(0, this.len));
    this.open = false;
    this.len = 0;
    return bytes;
  }
}
