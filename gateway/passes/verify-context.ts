import type { TrustStore } from './trust-list.ts';

/** Codes longer than this are refused before any decoding (the scanner sends at most 4,096 bytes). */
export const DEFAULT_MAX_CODE_LENGTH = 8 * 1024;
/** A HC1 payload may inflate to at most this many bytes. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024;
/** Tolerated clock skew on GP1 iat and exp (devices.md §1). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

/** What a pass is verified against: the time, the trust list, the budgets (gateway/passes/verifier.ts). */
export interface VerifyContext {
  /** The verification time, epoch milliseconds. */
  at: number;
  trust: TrustStore;
  clockSkewSeconds?: number;
  maxCodeLength?: number;
  maxDecompressedBytes?: number;
}

export type ResolvedVerifyContext = Required<VerifyContext>;
