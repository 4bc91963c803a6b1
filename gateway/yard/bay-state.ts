import type { BayState, TruckZoneKind } from './yard-payloads.ts';

/**
 * The bay state machine. Every change of a bay's state goes through `transition`, which either
 * names the next state or refuses with a machine-readable reason and plain words; it never
 * changes anything itself. docs/yard.md has the table.
 */
export type BayAction =
  | { type: 'reserve' }
  /** The reservation lapsed (timer). */
  | { type: 'expire' }
  /** The truck reached its bay (sensor or coordinator); `isolated` trucks and isolation zones go to isolation. */
  | { type: 'arrive'; isolated: boolean; zoneKind: TruckZoneKind }
  /** A swab was taken. `overduePending`: another sample of the truck is already overdue. */
  | { type: 'sample'; overduePending: boolean }
  /** A result is late (timer). */
  | { type: 'overdue' }
  /** A negative result clears the truck even if another sample is still pending; a positive isolates it. */
  | { type: 'result'; result: 'negative' | 'positive' }
  | { type: 'release' }
  /**
   * The truck leaves by the exit lane: cleared, or `underEscort` after a closed hand-over (its own
   * release rule, docs/yard.md), unless it is in isolation.
   */
  | { type: 'exit'; underEscort?: boolean }
  /** The truck leaves this bay for another one. */
  | { type: 'move-out' }
  /** The truck comes into this (free) bay from one in state `from`. */
  | { type: 'move-in'; from: BayState; isolated: boolean; zoneKind: TruckZoneKind }
  | { type: 'block' }
  | { type: 'unblock' };

export type RefusalReason =
  | 'bay-free'
  | 'bay-blocked'
  | 'bay-taken'
  | 'not-reserved'
  | 'not-arrived'
  | 'already-arrived'
  | 'not-sampled'
  | 'awaiting-result'
  | 'result-overdue'
  | 'isolation'
  | 'not-blocked'
  | 'not-free';

export type Transition = { ok: true; to: BayState } | { ok: false; reason: RefusalReason; message: string };

const ok = (to: BayState): Transition => ({ ok: true, to });
const no = (reason: RefusalReason, message: string): Transition => ({ ok: false, reason, message });

/** States in which a truck stands in the bay. */
export const TRUCK_PRESENT: ReadonlySet<BayState> = new Set([
  'occupied',
  'sampled',
  'overdue',
  'cleared',
  'isolation',
]);
/** States in which a truck holds the bay (present or on its way). */
export const HOLDS_TRUCK: ReadonlySet<BayState> = new Set([...TRUCK_PRESENT, 'reserved']);

function noTruck(from: BayState): Transition | undefined {
  if (from === 'free') return no('bay-free', 'The bay is free: no truck is assigned to it');
  if (from === 'blocked') return no('bay-blocked', 'The bay is blocked');
  return undefined;
}

/** The next state of a bay in state `from` for `action`, or why not. */
export function transition(from: BayState, action: BayAction): Transition {
  switch (action.type) {
    case 'reserve':
      if (from === 'free') return ok('reserved');
      return from === 'blocked'
        ? no('bay-blocked', 'The bay is blocked')
        : no('bay-taken', 'The bay is taken');

    case 'expire':
      return from === 'reserved' ? ok('free') : no('not-reserved', 'The bay is not reserved');

    case 'arrive':
      if (from === 'reserved') {
        return ok(action.isolated || action.zoneKind === 'isolation' ? 'isolation' : 'occupied');
      }
      return noTruck(from) ?? no('already-arrived', 'The truck is already in the bay');

    case 'sample':
      if (from === 'isolation') return ok('isolation');
      if (from === 'occupied' || from === 'sampled' || from === 'overdue' || from === 'cleared') {
        return ok(action.overduePending ? 'overdue' : 'sampled');
      }
      return noTruck(from) ?? no('not-arrived', 'The truck has not arrived in the bay yet');

    case 'overdue':
      if (from === 'sampled' || from === 'overdue') return ok('overdue');
      // A late result of a cleared or isolated truck is an alert, not a change of state.
      if (from === 'cleared' || from === 'isolation') return ok(from);
      return no('not-sampled', 'No sample is waiting for a result in this bay');

    case 'result':
      if (action.result === 'positive') {
        if (from === 'sampled' || from === 'overdue' || from === 'cleared' || from === 'isolation') {
          return ok('isolation');
        }
      } else {
        if (from === 'isolation') return ok('isolation');
        if (from === 'sampled' || from === 'overdue' || from === 'cleared') return ok('cleared');
      }
      return noTruck(from) ?? no('not-sampled', 'No sample is waiting for a result in this bay');

    case 'release':
      if (from === 'isolation') return ok('blocked'); // the bay is disinfected before reuse
      if (HOLDS_TRUCK.has(from)) return ok('free');
      return noTruck(from) ?? no('bay-free', 'No truck to release');

    case 'exit':
      if (from === 'cleared') return ok('free');
      // Under escort, but never out of isolation: a positive or isolated truck stays.
      if (action.underEscort && TRUCK_PRESENT.has(from) && from !== 'isolation') return ok('free');
      return exitRefusal(from);

    case 'move-out':
      if (from === 'isolation') return ok('blocked');
      if (HOLDS_TRUCK.has(from)) return ok('free');
      return noTruck(from) ?? no('bay-free', 'No truck to move');

    case 'move-in': {
      if (from !== 'free')
        return from === 'blocked'
          ? no('bay-blocked', 'The bay is blocked')
          : no('bay-taken', 'The bay is taken');
      const s = action.from;
      if (s === 'reserved') return ok('reserved');
      if (s === 'isolation' || action.isolated || action.zoneKind === 'isolation') return ok('isolation');
      return ok(s);
    }

    case 'block':
      if (from === 'free') return ok('blocked');
      if (from === 'blocked') return no('bay-blocked', 'The bay is already blocked');
      return no('not-free', 'A truck holds the bay: move or release it first');

    case 'unblock':
      return from === 'blocked' ? ok('free') : no('not-blocked', 'The bay is not blocked');
  }
}

/** Why a truck in a bay of state `from` may not leave through the exit lane. */
function exitRefusal(from: BayState): Transition {
  switch (from) {
    case 'reserved':
      return no('not-arrived', 'The truck never checked in at its bay: see a coordinator');
    case 'occupied':
      return no('not-sampled', 'No test taken yet: wait at your bay');
    case 'sampled':
      return no('awaiting-result', 'Test result pending: wait at your bay');
    case 'overdue':
      return no('result-overdue', 'Test result overdue: a coordinator has been alerted');
    case 'isolation':
      return no('isolation', 'Isolation: you may not leave, stay in your vehicle');
    default:
      return noTruck(from) ?? no('bay-free', 'Not in the yard');
  }
}
