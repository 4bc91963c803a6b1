/**
 * Which hand-over step a coordinator may take now, for the bay panel's step buttons (pure data,
 * no DOM): the four steps in their order (open, the receiving truck arrived, the cargo
 * transferred, close), each `done`, `next` (the one legal step, the only button enabled) or
 * `later`; and whether the hand-over may be aborted. The gateway is the judge (a step out of
 * order is refused with its reason, docs/yard.md); the page only never offers a step that
 * cannot be taken, so no gloved tap ends in a refusal it could have foreseen.
 */
import type { HandoverAction, HandoverState } from '../../../yard/handover/handover-payloads.ts';

export type { HandoverAction, HandoverState };

export const HANDOVER_STEPS = ['open', 'receiving-arrived', 'transferred', 'close'] as const;
export type HandoverStep = (typeof HANDOVER_STEPS)[number];

/** The state each step leads to. */
export const STEP_LEADS_TO: Record<HandoverStep, HandoverState> = {
  open: 'opened',
  'receiving-arrived': 'receiving-arrived',
  transferred: 'transferred',
  close: 'closed',
};

/** The yard request of each step (and of the abort): `gatepost/{site}/yard/request/<action>`. */
export const STEP_ACTION: Record<HandoverStep | 'abort', HandoverAction> = {
  open: 'handover-open',
  'receiving-arrived': 'handover-receiving-arrived',
  transferred: 'handover-transferred',
  close: 'handover-close',
  abort: 'handover-abort',
};

export type StepStatus = 'done' | 'next' | 'later';

export interface StepsNow {
  steps: { step: HandoverStep; status: StepStatus }[];
  /** The step that may be taken now (its button alone is enabled), if any. */
  next: HandoverStep | undefined;
  /** An open hand-over (opened, receiving truck arrived or cargo transferred) may be aborted. */
  canAbort: boolean;
}

/** What the bay needs to know: is a truck in it, and its hand-over's state if there is one. */
export interface HandoverBay {
  zoneKind: string;
  /** The inbound truck is in the bay (arrived), not only reserved. */
  truckIn: boolean;
  handover?: { state: HandoverState };
}

/**
 * The steps of the bay's hand-over now. A bay of the hand-over zone with its inbound truck in
 * it and no open hand-over may open one (again after an abort); a closed hand-over is over (the
 * truck leaves under escort), nothing is next. A bay outside the zone, or without its truck in
 * it, has no step to take.
 */
export function stepsNow(bay: HandoverBay): StepsNow {
  const state = bay.handover?.state;
  const reached = state === undefined || state === 'aborted' ? 0 : HANDOVER_STEPS.indexOf(stepOf(state)) + 1;
  const eligible = bay.zoneKind === 'handover' && bay.truckIn;
  const nextIndex = eligible && state !== 'closed' ? reached : -1;
  const steps = HANDOVER_STEPS.map((step, i) => ({
    step,
    status: (i < reached ? 'done' : i === nextIndex ? 'next' : 'later') as StepStatus,
  }));
  return {
    steps,
    next: nextIndex >= 0 ? HANDOVER_STEPS[nextIndex] : undefined,
    canAbort: state === 'opened' || state === 'receiving-arrived' || state === 'transferred',
  };
}

function stepOf(state: Exclude<HandoverState, 'aborted'>): HandoverStep {
  return state === 'opened' ? 'open' : state === 'closed' ? 'close' : state;
}
