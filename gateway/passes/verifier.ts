import { GP1_PREFIX, verifyGp1 } from './gp1.ts';
import { HC1_PREFIX, verifyHc1 } from './hc1.ts';
import { emptyTrustStore, type TrustStore } from './trust-list.ts';
import { unverifiedVerdict, type Verdict } from './verdict.ts';
import {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_CODE_LENGTH,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type ResolvedVerifyContext,
  type VerifyContext,
} from './verify-context.ts';

export type { VerifyContext };

/**
 * The code as verified: control characters at either end removed (a scanner configured to end
 * its codes with CR LF, a tab suffix). Spaces are kept: a space is one of base45's characters.
 * The verifier trims here, whatever the scanner driver has done already.
 */
export function trimScannedCode(code: string): string {
  // A loop, not a regex: /[\x00-\x1f]+$/ backtracks quadratically on a long run of them.
  const isControl = (i: number) => {
    const c = code.charCodeAt(i);
    return c < 0x20 || c === 0x7f;
  };
  let start = 0;
  let end = code.length;
  while (start < end && isControl(start)) start++;
  while (end > start && isControl(end - 1)) end--;
  return start === 0 && end === code.length ? code : code.slice(start, end);
}

/**
 * Verifies a scanned code offline. Never throws and never waits on anything but the signature
 * check: every failure, expected or not, ends up in the verdict's reasons.
 */
export async function verifyPass(code: string, ctx: VerifyContext): Promise<Verdict> {
  const resolved: ResolvedVerifyContext = {
    at: ctx.at,
    trust: ctx.trust,
    clockSkewSeconds: ctx.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    maxCodeLength: ctx.maxCodeLength ?? DEFAULT_MAX_CODE_LENGTH,
    maxDecompressedBytes: ctx.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
  };
  // verifyGp1 and verifyHc1 catch everything themselves; anything else is not a pass we know.
  if (typeof code !== 'string') return unverifiedVerdict();
  code = trimScannedCode(code);
  if (code.startsWith(GP1_PREFIX)) return verifyGp1(code, resolved);
  if (code.startsWith(HC1_PREFIX)) return verifyHc1(code, resolved);
  return unverifiedVerdict();
}

export interface PassVerifierOptions {
  /** The current trust store, e.g. a TrustListWatcher's `current`. */
  trust: () => TrustStore;
  clockSkewSeconds?: number;
  maxCodeLength?: number;
  maxDecompressedBytes?: number;
}

/** The gateway's verifier: the trust store of the moment and the configured limits. */
export class PassVerifier {
  constructor(private readonly options: PassVerifierOptions) {}

  verify(code: string, at: number): Promise<Verdict> {
    const { trust, ...limits } = this.options;
    let store: TrustStore;
    try {
      store = trust();
    } catch {
      store = emptyTrustStore();
    }
    return verifyPass(code, { ...limits, at, trust: store });
  }
}
