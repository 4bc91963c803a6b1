import { ErrorCode, GatepostError } from '../../../core/errors.ts';
import type { Actor } from '../yard-basics.ts';
import type {
  Handover,
  HandoverRecordData,
  HandoverRecordType,
  HandoverRequestData,
  HandoverState,
} from './handover-payloads.ts';

/**
 * The hand-over state machine, pure: no clock, no store, no yard. `handoverTransition` says
 * which state a record leads to from the hand-over there is (or why not); `applyHandoverRecord`
 * makes the next hand-over of a record; `decideHandover` turns a coordinator's step into the one
 * record to commit, or refuses it with a machine-readable reason. The yard plans and replays
 * the records through the first two (handover-plans.ts), so a rebuilt hand-over is the live one.
 *
 *   opened → receiving-arrived → transferred → closed;  aborted from any state but closed.
 */

/** Why a step is refused (reply `data.reason`, with code 801 illegal transition). */
export type HandoverRefusalReason =
  | 'not-handover-zone'
  | 'not-arrived'
  | 'handover-open'
  | 'handover-closed'
  | 'handover-not-opened'
  | 'receiving-already-arrived'
  | 'receiving-not-arrived'
  | 'already-transferred'
  | 'not-transferred'
  | 'not-pending';

export type HandoverTransition =
  | { ok: true; to: HandoverState }
  | { ok: false; reason: HandoverRefusalReason; message: string };

const FINAL: ReadonlySet<HandoverState> = new Set(['closed', 'aborted']);

export function isFinal(state: HandoverState): boolean {
  return FINAL.has(state);
}

/** A hand-over that is open: not closed, not aborted. */
export function isOpen(h: Handover | undefined): boolean {
  return h !== undefined && !isFinal(h.state);
}

const to = (s: HandoverState): HandoverTransition => ({ ok: true, to: s });
const no = (reason: HandoverRefusalReason, message: string): HandoverTransition => ({
  ok: false,
  reason,
  message,
});

const NOT_OPENED = no('handover-not-opened', 'No hand-over is open in this bay');
const CLOSED = no('handover-closed', 'The hand-over of this truck is closed');

/** The state a record of `type` leads to from the hand-over `h` (undefined: none yet), or why not. */
export function handoverTransition(h: Handover | undefined, type: HandoverRecordType): HandoverTransition {
  const s = h?.state;
  if (type === 'handover-opened') {
    if (s === 'closed') return CLOSED;
    if (s !== undefined && s !== 'aborted')
      return no('handover-open', 'A hand-over is already open in this bay');
    return to('opened');
  }
  if (s === undefined || s === 'aborted') return NOT_OPENED;
  if (s === 'closed') return CLOSED;
  switch (type) {
    case 'handover-receiving-arrived':
      return s === 'opened'
        ? to('receiving-arrived')
        : no('receiving-already-arrived', 'The receiving truck is already at the bay');
    case 'handover-transferred':
      if (s === 'receiving-arrived') return to('transferred');
      return s === 'opened'
        ? no('receiving-not-arrived', 'The receiving truck has not arrived at the bay')
        : no('already-transferred', 'The goods are already transferred');
    case 'handover-closed':
      return s === 'transferred'
        ? to('closed')
        : no('not-transferred', 'The goods have not been transferred yet');
    case 'handover-aborted':
      return to('aborted');
    case 'handover-overdue':
      return h?.overdue ? no('not-pending', 'The hand-over is already overdue') : to(s);
  }
}

/** The seal numbers as compared: trimmed, upper-case, each once. */
export function normaliseSeals(seals: readonly string[]): string[] {
  return [...new Set(seals.map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0))];
}

/** The seals recorded at opening that were not broken, and those broken that were not recorded. */
export function sealDifference(before: readonly string[], broken: readonly string[]) {
  const b = new Set(normaliseSeals(before));
  const k = new Set(normaliseSeals(broken));
  return { missing: [...b].filter((s) => !k.has(s)), unexpected: [...k].filter((s) => !b.has(s)) };
}

/** Any record of the hand-over machine, with its type. */
export type HandoverRecord = {
  [T in HandoverRecordType]: { type: T; data: HandoverRecordData<T> };
}[HandoverRecordType];

/**
 * The next hand-over after a record whose transition is allowed (handoverTransition); `at` is
 * the record's time. Returns a new object: the one given is not changed.
 */
export function applyHandoverRecord(h: Handover | undefined, rec: HandoverRecord, at: number): Handover {
  if (rec.type === 'handover-opened') {
    const d = rec.data;
    return {
      id: d.handoverId,
      state: 'opened',
      receivingPlate: d.receivingPlate,
      ...(d.receivingPlateColour === undefined ? {} : { receivingPlateColour: d.receivingPlateColour }),
      ...(d.receivingTransitId === undefined ? {} : { receivingTransitId: d.receivingTransitId }),
      escort: { ...d.escort },
      sealsBefore: [...d.sealsBefore],
      cargo: d.cargo,
      openedAt: at,
      dueAt: d.dueAt,
      overdue: false,
      sealMismatch: false,
      steps: [{ state: 'opened', at, by: { ...d.by } }],
    };
  }
  if (!h) throw new GatepostError(ErrorCode.Internal, `${rec.type} without a hand-over`);
  const next: Handover = structuredClone(h);
  const step = (state: HandoverState, by: Actor) => {
    next.state = state;
    next.steps.push({ state, at, by: { ...by } });
  };
  switch (rec.type) {
    case 'handover-receiving-arrived':
      if (rec.data.receivingTransitId !== undefined) next.receivingTransitId = rec.data.receivingTransitId;
      step('receiving-arrived', rec.data.by);
      break;
    case 'handover-transferred':
      next.sealsBroken = [...rec.data.sealsBroken];
      next.sealsAfter = [...rec.data.sealsAfter];
      next.sealMismatch = rec.data.sealMismatch;
      step('transferred', rec.data.by);
      break;
    case 'handover-closed':
      step('closed', rec.data.by);
      break;
    case 'handover-aborted':
      next.abortReason = rec.data.reason;
      step('aborted', rec.data.by);
      break;
    case 'handover-overdue':
      next.overdue = true;
      break;
  }
  return next;
}

/** What the yard knows of the bay when a coordinator asks for a step. */
export interface HandoverContext {
  bay: string;
  visitId: string;
  /** The bay is in a `handover` zone. */
  handoverZone: boolean;
  /** The inbound truck stands in the bay (not only reserved). */
  arrived: boolean;
  /** The truck's hand-over now (its last one), if any. */
  handover: Handover | undefined;
  /** An id for a new hand-over, and when it would be overdue. */
  newId: string;
  dueAt: number;
  /** The receiving truck's lane transit, looked up by its plate (undefined: none). */
  receivingTransitId: (plate: string, colour: string | undefined) => string | undefined;
  by: Actor;
}

/** A coordinator's step: a yard request action of the hand-over with its data. */
export type HandoverStepRequest =
  | { action: 'handover-open'; data: HandoverRequestData<'handover-open'> }
  | { action: 'handover-receiving-arrived'; data: HandoverRequestData<'handover-receiving-arrived'> }
  | { action: 'handover-transferred'; data: HandoverRequestData<'handover-transferred'> }
  | { action: 'handover-close'; data: HandoverRequestData<'handover-close'> }
  | { action: 'handover-abort'; data: HandoverRequestData<'handover-abort'> };

export type HandoverDecision =
  | { ok: true; record: HandoverRecord }
  | { ok: false; reason: HandoverRefusalReason; message: string };

/** The one record a step commits, or why the step is refused. */
export function decideHandover(ctx: HandoverContext, req: HandoverStepRequest): HandoverDecision {
  const { bay, visitId, by, handover: h } = ctx;
  const refusal = handoverPrecondition(ctx.handoverZone, ctx.arrived, h, RECORD_OF[req.action]);
  if (refusal) return refusal;
  const record = ((): HandoverRecord => {
    const handoverId = req.action === 'handover-open' ? ctx.newId : (h?.id ?? ctx.newId);
    const base = { bay, visitId, handoverId };
    switch (req.action) {
      case 'handover-open': {
        const d = req.data;
        const transit = ctx.receivingTransitId(d.receivingPlate, d.receivingPlateColour);
        return {
          type: 'handover-opened',
          data: {
            ...base,
            receivingPlate: d.receivingPlate,
            ...(d.receivingPlateColour === undefined ? {} : { receivingPlateColour: d.receivingPlateColour }),
            ...(transit === undefined ? {} : { receivingTransitId: transit }),
            escort: { ...d.escort },
            sealsBefore: normaliseSeals(d.sealsBefore),
            cargo: d.cargo,
            dueAt: ctx.dueAt,
            by,
          },
        };
      }
      case 'handover-receiving-arrived': {
        const transit =
          h === undefined ? undefined : ctx.receivingTransitId(h.receivingPlate, h.receivingPlateColour);
        return {
          type: 'handover-receiving-arrived',
          data: { ...base, ...(transit === undefined ? {} : { receivingTransitId: transit }), by },
        };
      }
      case 'handover-transferred': {
        const broken = normaliseSeals(req.data.sealsBroken);
        const diff = sealDifference(h?.sealsBefore ?? [], broken);
        const mismatch = diff.missing.length + diff.unexpected.length > 0;
        return {
          type: 'handover-transferred',
          data: {
            ...base,
            sealsBroken: broken,
            sealsAfter: normaliseSeals(req.data.sealsAfter),
            sealMismatch: mismatch,
            ...(mismatch ? diff : {}),
            by,
          },
        };
      }
      case 'handover-close':
        return { type: 'handover-closed', data: { ...base, by } };
      case 'handover-abort':
        return { type: 'handover-aborted', data: { ...base, reason: req.data.reason, by } };
    }
  })();
  return { ok: true, record };
}

/** The record each step commits. */
const RECORD_OF: Record<HandoverStepRequest['action'], HandoverRecordType> = {
  'handover-open': 'handover-opened',
  'handover-receiving-arrived': 'handover-receiving-arrived',
  'handover-transferred': 'handover-transferred',
  'handover-close': 'handover-closed',
  'handover-abort': 'handover-aborted',
};

/**
 * Where a hand-over may happen at all, then the machine's order: the refusal of a record in a
 * bay, or undefined if it may be committed. Shared by the live decision and the record plan.
 */
export function handoverPrecondition(
  handoverZone: boolean,
  arrived: boolean,
  h: Handover | undefined,
  type: HandoverRecordType,
): Extract<HandoverDecision, { ok: false }> | undefined {
  if (type === 'handover-opened') {
    if (!handoverZone)
      return { ok: false, reason: 'not-handover-zone', message: 'Hand-overs happen in handover bays only' };
    if (!arrived)
      return { ok: false, reason: 'not-arrived', message: 'The inbound truck has not arrived in the bay' };
  }
  const t = handoverTransition(h, type);
  return t.ok ? undefined : t;
}
