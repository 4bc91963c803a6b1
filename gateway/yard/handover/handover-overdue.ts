import type { AlertData } from '../yard-payloads.ts';
import type { YardState } from '../yard-state.ts';
import { isOpen } from './handover-machine.ts';
import type { HandoverRecordData } from './handover-payloads.ts';

/** What the overdue timer needs of the yard engine (YardEngine fits). */
export interface OverdueTarget {
  readonly state: YardState;
  commit(type: 'handover-overdue', data: HandoverRecordData<'handover-overdue'>): Promise<{ ok: boolean }>;
  alert(data: AlertData): Promise<void>;
}

/** A hand-over's due time passed (Deadlines): recorded once, then alerted (`handover-overdue`). */
export async function handoverOverdue(
  engine: OverdueTarget,
  d: { bay: string; visitId: string; handoverId: string },
): Promise<void> {
  const v = engine.state.bay(d.bay)?.visit;
  const h = v?.handover;
  if (!v || v.id !== d.visitId || !h || h.id !== d.handoverId || !isOpen(h) || h.overdue) return;
  const data = { bay: d.bay, visitId: v.id, handoverId: h.id, dueAt: h.dueAt };
  if (!(await engine.commit('handover-overdue', data)).ok) return;
  await engine.alert({
    kind: 'handover-overdue',
    bay: d.bay,
    visitId: v.id,
    ...(v.plate ? { plate: v.plate } : {}),
    message: `The hand-over in bay ${d.bay} is not closed: it was due ${new Date(h.dueAt).toISOString()}`,
  });
}
