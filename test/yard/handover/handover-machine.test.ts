import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyHandoverRecord,
  decideHandover,
  type HandoverContext,
  type HandoverStepRequest,
  normaliseSeals,
  sealDifference,
} from '../../../gateway/yard/handover/handover-machine.ts';
import {
  HANDOVER_RECORDS,
  HANDOVER_REQUEST_DATA,
  type Handover,
  HandoverSchema,
  type HandoverState,
} from '../../../gateway/yard/handover/handover-payloads.ts';

const BAY = 'H-0001';
const by = { kind: 'staff', id: 'S-9' } as const;
const escort = { id: 'E-1', name: 'Li Na', phone: '+86 138 0000 0000' };

/** The order of the happy path: each state's one successor. */
const NEXT: Record<string, HandoverState> = {
  none: 'opened',
  opened: 'receiving-arrived',
  'receiving-arrived': 'transferred',
  transferred: 'closed',
};
const STEP_OF: Record<HandoverStepRequest['action'], HandoverState> = {
  'handover-open': 'opened',
  'handover-receiving-arrived': 'receiving-arrived',
  'handover-transferred': 'transferred',
  'handover-close': 'closed',
  'handover-abort': 'aborted',
};

const seal = fc.constantFrom('S1', 's1 ', 'S2', 'S3', ' s4');
const request: fc.Arbitrary<HandoverStepRequest> = fc.oneof(
  fc.record({
    action: fc.constant('handover-open' as const),
    data: fc.record({
      bay: fc.constant(BAY),
      receivingPlate: fc.constantFrom('晋A12345', 'B-777'),
      escort: fc.constant(escort),
      sealsBefore: fc.array(seal, { minLength: 1, maxLength: 3 }),
      cargo: fc.constant('coal'),
    }),
  }),
  fc.constant({ action: 'handover-receiving-arrived' as const, data: { bay: BAY } }),
  fc.record({
    action: fc.constant('handover-transferred' as const),
    data: fc.record({
      bay: fc.constant(BAY),
      sealsBroken: fc.array(seal, { maxLength: 3 }),
      sealsAfter: fc.array(seal, { maxLength: 2 }),
    }),
  }),
  fc.constant({ action: 'handover-close' as const, data: { bay: BAY } }),
  fc.constant({
    action: 'handover-abort' as const,
    data: { bay: BAY, reason: 'receiving truck broke down' },
  }),
);

function context(h: Handover | undefined, n: number, zone = true, arrived = true): HandoverContext {
  return {
    bay: BAY,
    visitId: 'v-1',
    handoverZone: zone,
    arrived,
    handover: h,
    newId: `h-${n}`,
    dueAt: 1_000 + n,
    receivingTransitId: (plate) => (plate === '晋A12345' ? 'transit-9' : undefined),
    by,
  };
}

describe('the hand-over state machine', () => {
  it('keeps its invariants over any sequence of steps: order enforced, final states final, one record per accepted step', () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 25 }), fc.boolean(), fc.boolean(), (reqs, zone, arrived) => {
        let h: Handover | undefined;
        let records = 0;
        for (const [i, req] of reqs.entries()) {
          // Every request the machine is given is one its schema accepts.
          HANDOVER_REQUEST_DATA[req.action].parse(req.data);
          const before = h;
          const d = decideHandover(context(h, i, zone, arrived), req);
          const from = before?.state ?? 'none';
          const wanted = STEP_OF[req.action];
          const inOrder =
            req.action === 'handover-open'
              ? zone && arrived && (from === 'none' || from === 'aborted')
              : req.action === 'handover-abort'
                ? from !== 'none' && from !== 'aborted' && from !== 'closed'
                : NEXT[from] === wanted;
          expect(d.ok, `${from} + ${req.action}`).toBe(inOrder);
          if (!d.ok) {
            expect(d.reason).toMatch(/^[a-z-]+$/);
            expect(d.message.length).toBeGreaterThan(0);
            continue;
          }
          // Exactly one record, valid by its schema, that moves the hand-over by one step.
          records++;
          HANDOVER_RECORDS[d.record.type].parse(d.record.data);
          h = HandoverSchema.parse(applyHandoverRecord(before, d.record, 10 * i));
          expect(h.state).toBe(wanted);
          const sameHandover = req.action !== 'handover-open';
          expect(h.steps).toHaveLength(sameHandover ? (before?.steps.length ?? 0) + 1 : 1);
          expect(h.steps.at(-1)).toEqual({ state: wanted, at: 10 * i, by });
          if (sameHandover) expect(h.id).toBe(before?.id);
          // The steps of a hand-over follow the order, an abort only at the end.
          const states = h.steps.map((s) => s.state);
          const path = states.filter((s) => s !== 'aborted');
          expect(path).toEqual(
            ['opened', 'receiving-arrived', 'transferred', 'closed'].slice(0, path.length),
          );
          expect(states.indexOf('aborted')).toBeOneOf([-1, states.length - 1]);
        }
        // Closed is final: nothing moves it, not even a new opening.
        if (h?.state === 'closed') {
          for (const req of reqs) expect(decideHandover(context(h, 99), req).ok).toBe(false);
        }
        expect(records).toBeLessThanOrEqual(reqs.length);
      }),
      { numRuns: 300 },
    );
  });

  it('compares seals as sets, trimmed and upper-case, and names what differs', () => {
    expect(normaliseSeals([' ab1', 'AB1', 'cd2 '])).toEqual(['AB1', 'CD2']);
    expect(sealDifference(['AB1', 'cd2'], ['cd2', ' ab1 '])).toEqual({ missing: [], unexpected: [] });
    expect(sealDifference(['AB1', 'CD2'], ['AB1', 'EF3'])).toEqual({ missing: ['CD2'], unexpected: ['EF3'] });
  });

  it('records a seal mismatch in the transfer record, and the receiving transit at opening', () => {
    const open = decideHandover(context(undefined, 1), {
      action: 'handover-open',
      data: { bay: BAY, receivingPlate: '晋A12345', escort, sealsBefore: ['s1', 'S2'], cargo: 'coal' },
    });
    if (!open.ok || open.record.type !== 'handover-opened') throw new Error('not opened');
    expect(open.record.data).toMatchObject({ receivingTransitId: 'transit-9', sealsBefore: ['S1', 'S2'] });
    let h = applyHandoverRecord(undefined, open.record, 1);
    const arrived = decideHandover(context(h, 2), {
      action: 'handover-receiving-arrived',
      data: { bay: BAY },
    });
    if (!arrived.ok) throw new Error('not arrived');
    h = applyHandoverRecord(h, arrived.record, 2);
    const moved = decideHandover(context(h, 3), {
      action: 'handover-transferred',
      data: { bay: BAY, sealsBroken: ['S1'], sealsAfter: ['N1'] },
    });
    if (!moved.ok || moved.record.type !== 'handover-transferred') throw new Error('not transferred');
    expect(moved.record.data).toMatchObject({ sealMismatch: true, missing: ['S2'], unexpected: [] });
    expect(applyHandoverRecord(h, moved.record, 3).sealMismatch).toBe(true);
  });

  it('refuses steps out of order with the reason', () => {
    const step = (action: HandoverStepRequest['action']): HandoverStepRequest => {
      switch (action) {
        case 'handover-open':
          return openStep();
        case 'handover-transferred':
          return { action, data: { bay: BAY, sealsBroken: ['S1'], sealsAfter: [] } };
        case 'handover-abort':
          return { action, data: { bay: BAY, reason: 'x' } };
        default:
          return { action, data: { bay: BAY } };
      }
    };
    const reasonOf = (h: Handover | undefined, action: HandoverStepRequest['action']) => {
      const d = decideHandover(context(h, 0), step(action));
      return d.ok ? 'accepted' : d.reason;
    };
    expect(reasonOf(undefined, 'handover-receiving-arrived')).toBe('handover-not-opened');
    expect(reasonOf(undefined, 'handover-close')).toBe('handover-not-opened');
    const open = decideHandover(context(undefined, 1), {
      action: 'handover-open',
      data: { bay: BAY, receivingPlate: 'B-777', escort, sealsBefore: ['S1'], cargo: 'coal' },
    });
    if (!open.ok) throw new Error('not opened');
    const h = applyHandoverRecord(undefined, open.record, 1);
    expect(reasonOf(h, 'handover-transferred')).toBe('receiving-not-arrived');
    expect(reasonOf(h, 'handover-close')).toBe('not-transferred');
    expect(reasonOf(h, 'handover-open')).toBe('handover-open');
    const outside = decideHandover(context(undefined, 1, false), openStep());
    expect(outside.ok ? 'accepted' : outside.reason).toBe('not-handover-zone');
    const reserved = decideHandover(context(undefined, 1, true, false), openStep());
    expect(reserved.ok ? 'accepted' : reserved.reason).toBe('not-arrived');
  });
});

function openStep(): HandoverStepRequest {
  return {
    action: 'handover-open',
    data: { bay: BAY, receivingPlate: 'B-777', escort, sealsBefore: ['S1'], cargo: 'coal' },
  };
}
