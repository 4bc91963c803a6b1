import { ErrorCode } from '../../../core/errors.ts';
import { TRUCK_PRESENT } from '../bay-state.ts';
import { type Refusal, refuse, type YardState } from '../yard-state.ts';
import { applyHandoverRecord, type HandoverRecord, handoverPrecondition } from './handover-machine.ts';
import { HANDOVER_RECORDS, type HandoverRecordType } from './handover-payloads.ts';

/** A checked hand-over record: `apply()` makes the change (the shape of record-plans.ts' Plan). */
export type HandoverPlan = { ok: true; apply: () => string[] } | Refusal;

export function isHandoverRecord(type: string): type is HandoverRecordType {
  return Object.hasOwn(HANDOVER_RECORDS, type);
}

/**
 * What a hand-over record does to the yard: the hand-over of the inbound truck's visit moves on
 * (handover-machine.ts); the bay's own state does not change. Checked like every record: the
 * truck must be the one in the bay, and the machine must allow the step.
 */
export function planHandover(state: YardState, rec: HandoverRecord, at: number): HandoverPlan {
  const { bay, visitId, handoverId } = rec.data;
  const b = state.bay(bay);
  if (!b) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${bay}`);
  const v = b.visit;
  if (!v || v.id !== visitId)
    return refuse(ErrorCode.NotFound, 'no-such-truck', `That truck is not in bay ${bay}`);
  const refusal = handoverPrecondition(
    b.def.zoneKind === 'handover',
    TRUCK_PRESENT.has(b.state),
    v.handover,
    rec.type,
  );
  if (refusal) return refuse(ErrorCode.IllegalTransition, refusal.reason, refusal.message);
  if (rec.type !== 'handover-opened' && v.handover?.id !== handoverId)
    return refuse(ErrorCode.NotFound, 'no-such-handover', 'That hand-over is not the one in the bay');
  return {
    ok: true,
    apply: () => {
      v.handover = applyHandoverRecord(v.handover, rec, at);
      return [b.def.id];
    },
  };
}
