import { describe, expect, it } from 'vitest';
import { type BayAction, HOLDS_TRUCK, TRUCK_PRESENT, transition } from '../../gateway/yard/bay-state.ts';
import { BAY_STATES, type BayState } from '../../gateway/yard/yard-payloads.ts';

/** One representative of every action (with the context that changes the outcome varied). */
const ACTIONS: BayAction[] = [
  { type: 'reserve' },
  { type: 'expire' },
  { type: 'arrive', isolated: false, zoneKind: 'parking' },
  { type: 'arrive', isolated: true, zoneKind: 'parking' },
  { type: 'arrive', isolated: false, zoneKind: 'isolation' },
  { type: 'sample', overduePending: false },
  { type: 'sample', overduePending: true },
  { type: 'overdue' },
  { type: 'result', result: 'negative' },
  { type: 'result', result: 'positive' },
  { type: 'release' },
  { type: 'exit' },
  { type: 'move-out' },
  { type: 'move-in', from: 'sampled', isolated: false, zoneKind: 'parking' },
  { type: 'move-in', from: 'reserved', isolated: false, zoneKind: 'isolation' },
  { type: 'move-in', from: 'cleared', isolated: false, zoneKind: 'isolation' },
  { type: 'block' },
  { type: 'unblock' },
];

/** The legal transitions, as docs/yard.md states them; everything else must be refused. */
const LEGAL: Record<string, Partial<Record<BayState, BayState>>> = {
  reserve: { free: 'reserved' },
  expire: { reserved: 'free' },
  'arrive/parking': { reserved: 'occupied' },
  'arrive/isolated': { reserved: 'isolation' },
  'arrive/isolation-zone': { reserved: 'isolation' },
  sample: {
    occupied: 'sampled',
    sampled: 'sampled',
    overdue: 'sampled',
    cleared: 'sampled',
    isolation: 'isolation',
  },
  'sample/overdue-pending': {
    occupied: 'overdue',
    sampled: 'overdue',
    overdue: 'overdue',
    cleared: 'overdue',
    isolation: 'isolation',
  },
  overdue: { sampled: 'overdue', overdue: 'overdue', cleared: 'cleared', isolation: 'isolation' },
  'result/negative': { sampled: 'cleared', overdue: 'cleared', cleared: 'cleared', isolation: 'isolation' },
  'result/positive': {
    sampled: 'isolation',
    overdue: 'isolation',
    cleared: 'isolation',
    isolation: 'isolation',
  },
  release: {
    reserved: 'free',
    occupied: 'free',
    sampled: 'free',
    overdue: 'free',
    cleared: 'free',
    isolation: 'blocked',
  },
  exit: { cleared: 'free' },
  'move-out': {
    reserved: 'free',
    occupied: 'free',
    sampled: 'free',
    overdue: 'free',
    cleared: 'free',
    isolation: 'blocked',
  },
  'move-in/sampled': { free: 'sampled' },
  'move-in/reserved-to-isolation': { free: 'reserved' },
  'move-in/cleared-to-isolation': { free: 'isolation' },
  block: { free: 'blocked' },
  unblock: { blocked: 'free' },
};

function key(a: BayAction): string {
  switch (a.type) {
    case 'arrive':
      return a.isolated
        ? 'arrive/isolated'
        : a.zoneKind === 'isolation'
          ? 'arrive/isolation-zone'
          : 'arrive/parking';
    case 'sample':
      return a.overduePending ? 'sample/overdue-pending' : 'sample';
    case 'result':
      return `result/${a.result}`;
    case 'move-in':
      return a.from === 'sampled'
        ? 'move-in/sampled'
        : a.from === 'reserved'
          ? 'move-in/reserved-to-isolation'
          : 'move-in/cleared-to-isolation';
    default:
      return a.type;
  }
}

describe('bay state machine', () => {
  it('every state and action either moves to the documented state or is refused with a reason', () => {
    let legal = 0;
    let refused = 0;
    for (const from of BAY_STATES) {
      for (const action of ACTIONS) {
        const t = transition(from, action);
        const expected = LEGAL[key(action)]?.[from];
        if (expected === undefined) {
          expect(t, `${from} --${key(action)}-->`).toMatchObject({ ok: false });
          if (!t.ok) {
            expect(t.reason).toMatch(/^[a-z-]+$/);
            expect(t.message.length).toBeGreaterThan(5);
          }
          refused++;
        } else {
          expect(t, `${from} --${key(action)}-->`).toEqual({ ok: true, to: expected });
          legal++;
        }
      }
    }
    expect(legal + refused).toBe(BAY_STATES.length * ACTIONS.length);
    expect(legal).toBe(Object.values(LEGAL).reduce((n, m) => n + Object.keys(m).length, 0));
  });

  it('only a cleared truck may exit; every other truck is told why', () => {
    const reasons = new Map(BAY_STATES.map((s) => [s, transition(s, { type: 'exit' })]));
    expect(reasons.get('cleared')).toEqual({ ok: true, to: 'free' });
    expect(reasons.get('sampled')).toMatchObject({ ok: false, reason: 'awaiting-result' });
    expect(reasons.get('overdue')).toMatchObject({ ok: false, reason: 'result-overdue' });
    expect(reasons.get('isolation')).toMatchObject({ ok: false, reason: 'isolation' });
    expect(reasons.get('occupied')).toMatchObject({ ok: false, reason: 'not-sampled' });
    expect(reasons.get('reserved')).toMatchObject({ ok: false, reason: 'not-arrived' });
    expect(reasons.get('free')).toMatchObject({ ok: false, reason: 'bay-free' });
  });

  it('a bay that held an isolated truck is blocked (for disinfection) when it leaves', () => {
    for (const a of [{ type: 'release' }, { type: 'move-out' }] as const) {
      expect(transition('isolation', a)).toEqual({ ok: true, to: 'blocked' });
    }
  });

  it('classifies the states where a truck stands in or holds the bay', () => {
    expect([...TRUCK_PRESENT].sort()).toEqual(['cleared', 'isolation', 'occupied', 'overdue', 'sampled']);
    expect(HOLDS_TRUCK.has('reserved')).toBe(true);
    expect(HOLDS_TRUCK.has('blocked')).toBe(false);
    expect(HOLDS_TRUCK.has('free')).toBe(false);
  });
});
