import { transition } from './bay-state.ts';
import { exitAction, exitEscort } from './handover/handover-exit.ts';
import type { YardState } from './yard-state.ts';

/** May a truck leave through the yard exit lane, and if not, why (in words for the kiosk). */
export type ExitCheck =
  | {
      allowed: true;
      bay: string;
      visitId: string;
      plate?: string;
      /** Leaves under escort after a closed hand-over (not cleared by a test). */
      escort?: { id: string; name: string };
      handoverId?: string;
    }
  | { allowed: false; reason: string; message: string; bay?: string; visitId?: string; dueAt?: number };

/**
 * May this truck leave through the yard exit lane? By plate or pass subject (a string is tried
 * as both). A cleared truck may, and one whose hand-over is closed (under escort, naming the
 * escort); the refusal says why. Changes nothing: Yard.exit commits.
 */
export function checkExit(state: YardState, q: string | { plate?: string; subject?: string }): ExitCheck {
  const visitId =
    typeof q === 'string'
      ? (state.findVisit({ plate: q }) ?? state.findVisit({ subject: q }))
      : state.findVisit(q);
  const bay = visitId === undefined ? undefined : state.bayOfVisit(visitId);
  const b = bay === undefined ? undefined : state.bay(bay);
  if (!b?.visit || visitId === undefined)
    return {
      allowed: false,
      reason: 'not-in-yard',
      message: 'Not registered in the yard: see a coordinator',
    };
  const action = exitAction(b.visit.handover);
  const t = 'ok' in action ? action : transition(b.state, action);
  if (t.ok)
    return {
      allowed: true,
      bay: b.def.id,
      visitId,
      ...(b.visit.plate ? { plate: b.visit.plate } : {}),
      ...exitEscort(b.visit.handover),
    };
  const due = b.visit.samples.filter((s) => !s.result).map((s) => s.dueAt);
  return {
    allowed: false,
    reason: t.reason,
    message: t.message,
    bay: b.def.id,
    visitId,
    ...(due.length > 0 ? { dueAt: Math.min(...due) } : {}),
  };
}
