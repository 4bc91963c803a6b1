/**
 * Assignment policies: which free bay of a zone kind the next truck gets. Pure: the caller says
 * which bays are available (free and not being changed right now).
 *
 * - `nearest-gate`: the available bay nearest the gate (config order), so trucks walk and
 *   drive the least; bays freed near the gate are refilled first.
 * - `fill-rows`: the yard fills row after row in bay order, continuing after the bay assigned
 *   last and wrapping round at the end: trucks that arrive together stand together, and bays
 *   freed behind the cursor rest (for disinfection) until it comes round again.
 */
export type AssignmentPolicy = 'nearest-gate' | 'fill-rows';

export function chooseBay(
  policy: AssignmentPolicy,
  ordered: readonly string[],
  available: (bay: string) => boolean,
  /** Rank (index in `ordered`) of the bay this policy assigned last, for fill-rows. */
  cursorRank?: number,
): string | undefined {
  const n = ordered.length;
  const start = policy === 'fill-rows' && cursorRank !== undefined ? (cursorRank + 1) % n : 0;
  for (let i = 0; i < n; i++) {
    const bay = ordered[(start + i) % n];
    if (bay !== undefined && available(bay)) return bay;
  }
  return undefined;
}
