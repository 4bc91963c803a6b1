import { plateKey } from '../../store/ledger.ts';
import type { YardState } from '../yard-state.ts';

/**
 * The bay whose hand-over waits for `plate` as its receiving truck: opened, the receiving truck
 * not yet at the bay. Plates compare as the ledger's keys do (no case, spaces or dashes); the
 * newest such hand-over wins should a plate be named by two.
 */
export function receivingBayOf(
  state: YardState,
  plate: string,
): { bay: string; handoverId: string } | undefined {
  const key = plateKey(plate);
  if (key === '') return undefined;
  let found: { bay: string; handoverId: string; openedAt: number } | undefined;
  for (const [bay, b] of state.bays) {
    const h = b.visit?.handover;
    if (h?.state !== 'opened' || plateKey(h.receivingPlate) !== key) continue;
    if (!found || h.openedAt > found.openedAt) found = { bay, handoverId: h.id, openedAt: h.openedAt };
  }
  return found && { bay: found.bay, handoverId: found.handoverId };
}
