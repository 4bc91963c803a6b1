import { ErrorCode } from '../../../core/errors.ts';
import type { BayAction } from '../bay-state.ts';
import type { Refusal } from '../yard-state.ts';
import { isOpen } from './handover-machine.ts';
import type { Handover } from './handover-payloads.ts';

/**
 * The yard exit's rule for a truck with a hand-over: while one is open the truck stays (the
 * goods are between trucks); after a closed one it leaves under escort, cleared or not.
 */
export function exitAction(h: Handover | undefined): Extract<BayAction, { type: 'exit' }> | Refusal {
  if (isOpen(h))
    return {
      ok: false,
      code: ErrorCode.IllegalTransition,
      reason: 'handover-open',
      message: 'A hand-over is under way: stay at your bay',
    };
  return h?.state === 'closed' ? { type: 'exit', underEscort: true } : { type: 'exit' };
}

/** The escort a truck leaves with: after a closed hand-over, the escort's id and name. */
export function exitEscort(
  h: Handover | undefined,
): { escort: { id: string; name: string }; handoverId: string } | undefined {
  return h?.state === 'closed'
    ? { escort: { id: h.escort.id, name: h.escort.name }, handoverId: h.id }
    : undefined;
}
