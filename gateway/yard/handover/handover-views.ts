import type { Handover, HandoverView } from './handover-payloads.ts';

/** What a bay's retained view shows of its truck's hand-over: no phone number, no seals. */
export function handoverView(h: Handover): HandoverView {
  return {
    id: h.id,
    state: h.state,
    receivingPlate: h.receivingPlate,
    escort: { id: h.escort.id, name: h.escort.name },
    openedAt: h.openedAt,
    dueAt: h.dueAt,
    overdue: h.overdue,
    sealMismatch: h.sealMismatch,
    steps: h.steps.map((s) => ({ ...s, by: { ...s.by } })),
  };
}
