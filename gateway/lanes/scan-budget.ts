import type { Decision } from './decision-schema.ts';

/**
 * The most different codes one transit stores: a cab holds at most a few people, each with a
 * pass; more is a rotating QR code or a hostile scanner. Beyond it a scan is refused.
 */
export const MAX_CODES_PER_TRANSIT = 8;

/** In maintenance (no transits), the same budget runs per this window. */
export const IDLE_SCAN_WINDOW_MS = 60_000;

/** A transit over the budget: no code of it decides; staff do. */
export const OVER_BUDGET_DECISION: Decision = {
  outcome: 'REVIEW',
  reasons: [
    {
      code: 'too-many-codes',
      outcome: 'REVIEW',
      detail: `more than ${MAX_CODES_PER_TRANSIT} different codes scanned`,
    },
  ],
};

/**
 * A transit's scans against the store's budget: a code it already has is counted, not stored
 * again; at most `max` different codes are stored; the rest are refused (counted). Holds at
 * most `max` codes (each within the scanner's byte budget).
 */
export class ScanBudget {
  private readonly codes = new Set<string>();
  repeated = 0;
  refused = 0;

  constructor(private readonly max = MAX_CODES_PER_TRANSIT) {}

  /** `store`: a new code within the budget; `repeat`: seen before; `refuse`: over the budget. */
  admit(code: string): 'store' | 'repeat' | 'refuse' {
    if (this.codes.has(code)) {
      this.repeated++;
      return 'repeat';
    }
    if (this.codes.size >= this.max) {
      this.refused++;
      return 'refuse';
    }
    this.codes.add(code);
    return 'store';
  }
}
