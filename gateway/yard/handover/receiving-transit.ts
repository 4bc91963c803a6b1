import type { PlateColour } from '../../../core/plate-colour.ts';
import type { LedgerEntry } from '../../store/ledger.ts';

/** How far back a lane transit of the receiving truck counts (it came to the site for this). */
const WITHIN_MS = 24 * 60 * 60_000;

/**
 * The lane transit of a hand-over's receiving truck, by its plate (and colour) in the ledger:
 * the latest transit of that vehicle in the last day that has not left the yard; undefined if it
 * never passed a lane (came in by other means, or the plate was typed differently).
 */
export function receivingTransitFinder(
  ledger: { byPlate(plate: string, colour?: PlateColour): LedgerEntry[] },
  now: () => number,
): (plate: string, colour: string | undefined) => string | undefined {
  return (plate, colour) => {
    const since = now() - WITHIN_MS;
    const entries = ledger.byPlate(plate, colour as PlateColour | undefined);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (!e || e.arrivedAt < since) break;
      if (e.transitId !== undefined && e.departedAt === undefined) return e.transitId;
    }
    return undefined;
  };
}
