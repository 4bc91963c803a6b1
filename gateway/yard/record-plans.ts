import { ErrorCode } from '../../core/errors.ts';
import { type BayAction, transition } from './bay-state.ts';
import { exitAction } from './handover/handover-exit.ts';
import { type HandoverRecord, isOpen } from './handover/handover-machine.ts';
import { isHandoverRecord, planHandover } from './handover/handover-plans.ts';
import {
  MAX_SAMPLES,
  type Visit,
  YARD_RECORDS,
  type YardRecordData,
  type YardRecordType,
} from './yard-payloads.ts';
import { type BayRecord, type Refusal, refuse, type YardState } from './yard-state.ts';

/** A checked change: `apply()` makes it and returns the bays it touched. */
export type Plan = { ok: true; apply: () => string[] } | Refusal;

const DISINFECTION = { reason: 'disinfection', note: 'after an isolated truck' } as const;

/**
 * What each record of the `yard` stream does to the yard: the one place its state changes.
 * `planRecord` checks a record against the state and the bay state machine without touching
 * anything; its `apply()` makes the change. The live yard plans a change before it commits the
 * record and applies it once committed; a restart applies the stored records in order through
 * the same code, so the rebuilt yard is the live one.
 */
export function planRecord<T extends YardRecordType>(
  state: YardState,
  type: T,
  data: YardRecordData<T>,
  at: number,
  seq = 0,
): Plan {
  const d = data as YardRecordData<YardRecordType>;
  const onVisit = (
    r: { bay: string; visitId: string },
    action: (b: BayRecord, v: Visit) => BayAction | Refusal,
    change: (b: BayRecord, v: Visit) => void,
  ) => planOnVisit(state, r.bay, r.visitId, at, action, change);
  const leave = (b: BayRecord) => {
    // A bay that held an isolated truck is disinfected first (the machine makes it blocked).
    if (b.state === 'isolation') b.block = { ...DISINFECTION };
    state.remove(b);
  };

  switch (type) {
    case 'bay-reserved':
      return planReserve(state, d as YardRecordData<'bay-reserved'>, at, seq);
    case 'truck-arrived':
      return onVisit(
        d as YardRecordData<'truck-arrived'>,
        (b, v) => ({ type: 'arrive', isolated: v.isolated, zoneKind: b.def.zoneKind }),
        (_b, v) => {
          v.arrivedAt = at;
        },
      );
    case 'reservation-expired':
      return onVisit(d as YardRecordData<'reservation-expired'>, () => ({ type: 'expire' }), leave);
    case 'bay-released':
      return onVisit(d as YardRecordData<'bay-released'>, () => ({ type: 'release' }), leave);
    case 'truck-exited':
      return onVisit(d as YardRecordData<'truck-exited'>, (_b, v) => exitAction(v.handover), leave);
    case 'sample-recorded': {
      const r = d as YardRecordData<'sample-recorded'>;
      return onVisit(
        r,
        (_b, v) => {
          if (v.samples.length >= MAX_SAMPLES)
            return refuse(
              ErrorCode.IllegalTransition,
              'too-many-samples',
              `At most ${MAX_SAMPLES} samples per truck`,
            );
          if (v.samples.some((s) => s.id === r.sampleId))
            return refuse(ErrorCode.IllegalTransition, 'duplicate-sample', 'This sample is already recorded');
          return { type: 'sample', overduePending: v.samples.some((s) => s.overdue && !s.result) };
        },
        (_b, v) => {
          v.samples.push({ id: r.sampleId, kind: r.kind, at, dueAt: r.dueAt, overdue: false });
        },
      );
    }
    case 'result-overdue': {
      const r = d as YardRecordData<'result-overdue'>;
      return onVisit(
        r,
        (_b, v) => {
          const s = v.samples.find((x) => x.id === r.sampleId);
          if (!s || s.result || s.overdue)
            return refuse(
              ErrorCode.IllegalTransition,
              'not-pending',
              'That sample is not waiting for a result',
            );
          return { type: 'overdue' };
        },
        (_b, v) => {
          const s = v.samples.find((x) => x.id === r.sampleId);
          if (s) s.overdue = true;
        },
      );
    }
    case 'result-recorded': {
      const r = d as YardRecordData<'result-recorded'>;
      return onVisit(
        r,
        (_b, v) => {
          const s = v.samples.find((x) => x.id === r.sampleId);
          if (!s) return refuse(ErrorCode.NotFound, 'no-such-sample', 'No such sample for this truck');
          if (s.result)
            return refuse(ErrorCode.IllegalTransition, 'has-result', 'That sample already has a result');
          return { type: 'result', result: r.result };
        },
        (_b, v) => {
          const s = v.samples.find((x) => x.id === r.sampleId);
          if (s) {
            s.result = r.result;
            s.resultAt = at;
          }
          if (r.result === 'positive') v.isolated = true;
        },
      );
    }
    case 'truck-moved':
      return planMove(state, d as YardRecordData<'truck-moved'>, at);
    case 'bay-blocked': {
      const r = d as YardRecordData<'bay-blocked'>;
      return planOnBay(state, r.bay, at, { type: 'block' }, (b) => {
        b.block = r.note === undefined ? { reason: r.reason } : { reason: r.reason, note: r.note };
      });
    }
    case 'bay-unblocked':
      return planOnBay(state, (d as YardRecordData<'bay-unblocked'>).bay, at, { type: 'unblock' }, (b) => {
        b.block = undefined;
      });
    default:
      if (isHandoverRecord(type)) return planHandover(state, { type, data } as HandoverRecord, at);
      // alert, request-refused, snapshot: no change of state.
      return { ok: true, apply: () => [] };
  }
}

/**
 * Applies a stored record (on rebuild). Its data is validated first: the store is a boundary
 * too. Returns the refusal of a record that does not fit (logged by the caller and skipped).
 */
export function replayRecord(
  state: YardState,
  rec: { type: string; at: number; seq: number; data: unknown },
): Refusal | undefined {
  const schema = (YARD_RECORDS as Record<string, (typeof YARD_RECORDS)[YardRecordType]>)[rec.type];
  if (!schema)
    return refuse(ErrorCode.PayloadInvalid, 'unknown-type', `unknown yard record type ${rec.type}`);
  const parsed = schema.safeParse(rec.data);
  if (!parsed.success) return refuse(ErrorCode.PayloadInvalid, 'invalid', parsed.error.message);
  const p = planRecord(state, rec.type as YardRecordType, parsed.data, rec.at, rec.seq);
  if (!p.ok) return p;
  p.apply();
  return undefined;
}

function planReserve(state: YardState, r: YardRecordData<'bay-reserved'>, at: number, seq: number): Plan {
  const b = state.bay(r.bay);
  if (!b) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${r.bay}`);
  const t = transition(b.state, { type: 'reserve' });
  if (!t.ok) return refuse(ErrorCode.IllegalTransition, t.reason, t.message);
  const seed = r.visit;
  if (state.bayOfVisit(seed.id) !== undefined)
    return refuse(ErrorCode.IllegalTransition, 'duplicate-visit', 'That visit is already in the yard');
  const other = state.findVisit({
    plate: seed.plate,
    plateColour: seed.plateColour,
    subject: seed.subject,
    transitId: seed.transitId,
  });
  if (other !== undefined) {
    return refuse(
      ErrorCode.IllegalTransition,
      'already-in-yard',
      `This truck already holds bay ${state.bayOfVisit(other)}`,
    );
  }
  return {
    ok: true,
    apply: () => {
      state.enter(b, t.to, at);
      state.place(b, {
        ...seed,
        reservedAt: at,
        expiresAt: r.expiresAt,
        isolated: seed.intent === 'isolate',
        samples: [],
        bays: [b.def.id],
      });
      const cursor = state.cursors.get(b.def.zoneKind);
      if (!cursor || seq >= cursor.seq) state.cursors.set(b.def.zoneKind, { bay: b.def.id, seq });
      return [b.def.id];
    },
  };
}

function planMove(state: YardState, r: YardRecordData<'truck-moved'>, at: number): Plan {
  const from = state.bay(r.from);
  const to = state.bay(r.to);
  if (!from) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${r.from}`);
  if (!to) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${r.to}`);
  if (from === to) return refuse(ErrorCode.IllegalTransition, 'same-bay', 'The truck is already in that bay');
  const v = from.visit;
  if (!v || v.id !== r.visitId)
    return refuse(ErrorCode.NotFound, 'no-such-truck', `That truck is not in bay ${r.from}`);
  if (isOpen(v.handover))
    return refuse(ErrorCode.IllegalTransition, 'handover-open', 'A hand-over is under way in this bay');
  const out = transition(from.state, { type: 'move-out' });
  if (!out.ok) return refuse(ErrorCode.IllegalTransition, out.reason, out.message);
  const into = transition(to.state, {
    type: 'move-in',
    from: from.state,
    isolated: v.isolated,
    zoneKind: to.def.zoneKind,
  });
  if (!into.ok) return refuse(ErrorCode.IllegalTransition, into.reason, `${r.to}: ${into.message}`);
  return {
    ok: true,
    apply: () => {
      state.remove(from);
      if (out.to === 'blocked') from.block = { ...DISINFECTION };
      state.enter(from, out.to, at);
      v.bays.push(to.def.id);
      state.place(to, v);
      state.enter(to, into.to, at);
      return [from.def.id, to.def.id];
    },
  };
}

function planOnBay(
  state: YardState,
  bayId: string,
  at: number,
  action: BayAction,
  change: (b: BayRecord) => void,
): Plan {
  const b = state.bay(bayId);
  if (!b) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${bayId}`);
  const t = transition(b.state, action);
  if (!t.ok) return refuse(ErrorCode.IllegalTransition, t.reason, t.message);
  return {
    ok: true,
    apply: () => {
      change(b);
      state.enter(b, t.to, at);
      return [b.def.id];
    },
  };
}

function planOnVisit(
  state: YardState,
  bayId: string,
  visitId: string,
  at: number,
  action: (b: BayRecord, v: Visit) => BayAction | Refusal,
  change: (b: BayRecord, v: Visit) => void,
): Plan {
  const b = state.bay(bayId);
  if (!b) return refuse(ErrorCode.NotFound, 'no-such-bay', `No bay ${bayId}`);
  const v = b.visit;
  if (!v || v.id !== visitId)
    return refuse(ErrorCode.NotFound, 'no-such-truck', `That truck is not in bay ${bayId}`);
  const a = action(b, v);
  if ('ok' in a) return a;
  const t = transition(b.state, a);
  if (!t.ok) return refuse(ErrorCode.IllegalTransition, t.reason, t.message);
  return {
    ok: true,
    apply: () => {
      change(b, v);
      state.enter(b, t.to, at);
      return [b.def.id];
    },
  };
}
