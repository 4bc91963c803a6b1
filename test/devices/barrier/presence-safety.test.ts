import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BarrierAction,
  type BarrierInput,
  type BarrierMachineState,
  type DetectorLevel,
  initialBarrierState,
  transition,
} from '../../../devices/barrier/safety-machine.ts';

/**
 * Several detectors on one barrier: two presence inputs (a safety loop and a photo-eye), an
 * arming loop and a reset loop, on the pure machine. The property: close is never energised
 * while any presence input is high (nor while a trailer may still follow), whatever comes in.
 */
const timings = {
  pulseMs: 300,
  travelTimeoutMs: 6000,
  autoCloseAfterClearMs: 2000,
  closeIfNoVehicleMs: 30000,
  trailerGapMs: 1500,
  stuckAfterMs: 60000,
};

const DETECTORS: Omit<DetectorLevel, 'high'>[] = [
  { role: 'presence', name: 'loop' },
  { role: 'presence', name: 'eye' },
  { role: 'arming', name: 'arming' },
  { role: 'reset', name: 'reset' },
];

function levels(high: Partial<Record<string, boolean>> = {}): DetectorLevel[] {
  return DETECTORS.map((d) => ({ ...d, high: high[d.name] ?? false }));
}

/** Feeds inputs one at a time, collecting every action; `at` the state after each. */
function run(inputs: BarrierInput[], start: Partial<Record<string, boolean>> = {}, limitClosed = true) {
  let s: BarrierMachineState = initialBarrierState();
  const all: BarrierAction[] = [];
  const feed = (input: BarrierInput) => {
    const r = transition(s, input, timings);
    s = r.state;
    all.push(...r.actions);
    return r;
  };
  feed({ type: 'start', limitOpen: !limitClosed, limitClosed, loop: false, detectors: levels(start) });
  for (const i of inputs) feed(i);
  return { state: () => s, actions: all, feed };
}

const det = (name: string, high: boolean): BarrierInput => {
  const d = DETECTORS.find((x) => x.name === name);
  if (!d) throw new Error(name);
  return { type: 'detector', ...d, high };
};
const kinds = (actions: BarrierAction[]) =>
  actions.flatMap((a) =>
    a.type === 'vehicle' ? [`vehicle ${a.kind}`] : a.type === 'tailgate' ? ['tailgate'] : [],
  );
const closeEnergised = (actions: BarrierAction[]) =>
  actions.some((a) => a.type === 'relay' && a.relay === 'close' && a.on);

/** The arm opened by a command and at its open limit. */
const openArm: BarrierInput[] = [
  { type: 'command', id: 1, action: 'open' },
  { type: 'limits', limitOpen: true, limitClosed: false },
];

describe('barrier with several detectors: presence inputs', () => {
  it('refuses close while the photo-eye alone is blocked, and closes once it is clear', () => {
    const m = run([...openArm, det('eye', true)]);
    const { actions } = m.feed({ type: 'command', id: 2, action: 'close' });
    expect(actions).toContainEqual({
      type: 'resolve',
      id: 2,
      action: 'close',
      outcome: { ok: false, failure: 'unsafe', reason: 'a vehicle is on the loop' },
    });
    expect(closeEnergised(actions)).toBe(false);
    m.feed(det('eye', false));
    m.feed({ type: 'timer', timer: 'trailer-gap' });
    expect(closeEnergised(m.feed({ type: 'command', id: 3, action: 'close' }).actions)).toBe(true);
  });

  it('a photo-eye blocked while the arm closes cuts close and drives open at once', () => {
    const m = run(openArm);
    m.feed({ type: 'command', id: 2, action: 'close' });
    expect(m.state().relays.close).toBe(true);
    const { actions, state } = m.feed(det('eye', true));
    const relays = actions.filter((a) => a.type === 'relay');
    expect(relays).toEqual([
      { type: 'relay', relay: 'close', on: false },
      { type: 'relay', relay: 'open', on: true },
    ]);
    expect(state.arm).toBe('opening');
    expect(actions).toContainEqual(
      expect.objectContaining({ type: 'resolve', id: 2, outcome: expect.objectContaining({ ok: false }) }),
    );
  });

  it('an arm that comes up to its open limit while close is pulsed has the close relay released; a vehicle then finds it off', () => {
    // Found by the property below: close pulsed from an unknown arm, the open limit comes instead.
    const m = run([], {}, false);
    m.feed({ type: 'limits', limitOpen: false, limitClosed: false });
    m.feed({ type: 'command', id: 1, action: 'close' });
    expect(m.state().relays.close).toBe(true);
    const up = m.feed({ type: 'limits', limitOpen: true, limitClosed: false });
    expect(up.actions).toContainEqual({ type: 'relay', relay: 'close', on: false });
    expect(m.feed(det('loop', true)).state.relays.close).toBe(false);
  });

  it('the arming loop alone neither blocks closing nor reverses the arm', () => {
    const m = run(openArm);
    m.feed({ type: 'command', id: 2, action: 'close' });
    const { actions, state } = m.feed(det('arming', true));
    expect(actions.filter((a) => a.type === 'relay')).toEqual([]);
    expect(state.arm).toBe('closing');
    expect(kinds(actions)).toEqual(['vehicle arrived']);
  });
});

describe('barrier with several detectors: trailer gap', () => {
  it('a tractor and its trailer with a 1.2 s gap are one vehicle: one arrival, one clearing, no tailgate, no close in the gap', () => {
    const m = run(openArm);
    m.feed(det('loop', true)); // the tractor
    m.feed(det('eye', true));
    m.feed(det('eye', false));
    const gap = m.feed(det('loop', false)); // the coupling: every detector low
    expect(gap.state.gap).toBe(true);
    expect(gap.actions).toContainEqual({ type: 'start-timer', timer: 'trailer-gap', ms: 1500 });
    expect(kinds(gap.actions)).toEqual([]);
    // A close asked in the gap is refused: the trailer may follow.
    const refused = m.feed({ type: 'command', id: 9, action: 'close' });
    expect(closeEnergised(refused.actions)).toBe(false);
    // 1.2 s later (before the timer) the trailer reaches the loop.
    const trailer = m.feed(det('loop', true));
    expect(trailer.actions).toContainEqual({ type: 'cancel-timer', timer: 'trailer-gap' });
    m.feed(det('eye', true));
    m.feed(det('eye', false));
    m.feed(det('loop', false));
    const cleared = m.feed({ type: 'timer', timer: 'trailer-gap' });
    expect(cleared.actions).toContainEqual({ type: 'start-timer', timer: 'auto-close', ms: 2000 });
    expect(kinds(m.actions)).toEqual(['vehicle arrived', 'vehicle cleared']);
    expect(closeEnergised(m.actions)).toBe(false);
  });

  it('a loop clear for longer than the gap is cleared, and the next vehicle at the arm is a tailgate', () => {
    const m = run(openArm);
    m.feed(det('loop', true));
    m.feed(det('loop', false));
    m.feed({ type: 'timer', timer: 'trailer-gap' });
    const second = m.feed(det('loop', true));
    expect(kinds(second.actions)).toEqual(['vehicle arrived', 'tailgate']);
  });

  it('the reset loop dropping with nothing else high clears at once (the truck has left)', () => {
    const m = run(openArm);
    m.feed(det('arming', true));
    m.feed(det('loop', true));
    m.feed(det('arming', false));
    m.feed(det('reset', true));
    m.feed(det('loop', false));
    const left = m.feed(det('reset', false));
    expect(kinds(left.actions)).toEqual(['vehicle cleared']);
    expect(left.state.gap).toBe(false);
    expect(left.actions).toContainEqual({ type: 'start-timer', timer: 'auto-close', ms: 2000 });
  });

  it('a next truck on the arming loop while the arm closes behind the first is no tailgate', () => {
    const m = run(openArm);
    m.feed(det('loop', true));
    m.feed(det('loop', false));
    m.feed({ type: 'timer', timer: 'trailer-gap' });
    m.feed({ type: 'timer', timer: 'auto-close' });
    expect(m.state().arm).toBe('closing');
    const next = m.feed(det('arming', true));
    expect(kinds(next.actions)).toEqual(['vehicle arrived']);
    expect(next.state.arm).toBe('closing');
  });
});

describe('barrier with several detectors: stuck inputs', () => {
  it('a photo-eye high for stuckAfterMs is reported stuck once, and again when it clears', () => {
    const m = run([]);
    const on = m.feed(det('eye', true));
    expect(on.actions).toContainEqual({ type: 'start-timer', timer: 'stuck:eye', ms: 60000 });
    const stuck = m.feed({ type: 'timer', timer: 'stuck:eye' });
    expect(stuck.actions).toEqual([{ type: 'stuck', role: 'presence', name: 'eye', stuck: true }]);
    expect(m.feed({ type: 'timer', timer: 'stuck:eye' }).actions).toEqual([]);
    const off = m.feed(det('eye', false));
    expect(off.actions).toContainEqual({ type: 'stuck', role: 'presence', name: 'eye', stuck: false });
    expect(off.state.stuck).toEqual([]);
  });

  it('an input low before its timer fires is never stuck', () => {
    const m = run([det('loop', true), det('loop', false)]);
    expect(m.feed({ type: 'timer', timer: 'stuck:loop' }).actions).toEqual([]);
  });

  it('an input already high at start-up is timed too', () => {
    const m = run([], { eye: true });
    expect(m.actions).toContainEqual({ type: 'start-timer', timer: 'stuck:eye', ms: 60000 });
  });
});

const detectorArb: fc.Arbitrary<BarrierInput> = fc
  .record({ d: fc.constantFrom(...DETECTORS), high: fc.boolean() })
  .map(({ d, high }) => ({ type: 'detector' as const, ...d, high }));

const inputArb: fc.Arbitrary<BarrierInput> = fc.oneof(
  { arbitrary: detectorArb, weight: 4 },
  {
    arbitrary: fc.record({
      type: fc.constant('command' as const),
      id: fc.nat(),
      action: fc.constantFrom('open' as const, 'close' as const),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('limits' as const),
      limitOpen: fc.boolean(),
      limitClosed: fc.boolean(),
      moving: fc.constantFrom(undefined, 'opening' as const, 'closing' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('timer' as const),
      timer: fc.constantFrom(
        'pulse' as const,
        'travel' as const,
        'auto-close' as const,
        'no-vehicle' as const,
        'trailer-gap' as const,
        'stuck:loop' as const,
        'stuck:eye' as const,
      ),
    }),
    weight: 3,
  },
  fc.record({ type: fc.constant('device-fault' as const), reason: fc.constant('x') }),
  fc.record({
    type: fc.constant('actuator-failed' as const),
    relay: fc.constantFrom('open' as const, 'close' as const),
    failure: fc.constantFrom('refused' as const, 'no-reply' as const, 'unsafe' as const),
    reason: fc.constant('x'),
  }),
  fc.record({ type: fc.constant('offline' as const), reason: fc.constant('x') }),
  fc.record({ type: fc.constant('loop' as const), high: fc.boolean() }),
);

describe('barrier with several detectors: safety under random input sequences (fast-check)', () => {
  it('close is never energised while any presence input is high or a trailer may follow; a closing arm with a presence input high is driven open', () => {
    fc.assert(
      fc.property(
        fc.record({
          limitOpen: fc.boolean(),
          limitClosed: fc.boolean(),
          high: fc.record({
            loop: fc.boolean(),
            eye: fc.boolean(),
            arming: fc.boolean(),
            reset: fc.boolean(),
          }),
        }),
        fc.array(inputArb, { maxLength: 120 }),
        (start, inputs) => {
          let s = initialBarrierState();
          const levelsNow = new Map<string, boolean>();
          const step = (input: BarrierInput) => {
            const r = transition(s, input, timings);
            s = r.state;
            return r.actions;
          };
          step({
            type: 'start',
            limitOpen: start.limitOpen,
            limitClosed: start.limitClosed,
            loop: false,
            detectors: levels(start.high),
          });
          for (const d of DETECTORS) levelsNow.set(d.name, start.high[d.name as keyof typeof start.high]);
          for (const input of inputs) {
            const before = s;
            const actions = step(input);
            if (input.type === 'detector') levelsNow.set(input.name, input.high);
            if (input.type === 'loop') levelsNow.set('loop', input.high);
            const presence = (levelsNow.get('loop') ?? false) || (levelsNow.get('eye') ?? false);
            // The machine's view of presence is the inputs' (no input lost, none invented).
            expect(s.loop).toBe(presence);
            // Never energised while a presence input is high, nor switched on in a trailer gap.
            if (presence || s.gap) expect(closeEnergised(actions)).toBe(false);
            if (presence) expect(s.relays.close).toBe(false);
            // Never energised in a step whose inputs are the barrier's presence going high.
            if (closeEnergised(actions)) expect(before.loop || s.loop).toBe(false);
            expect(s.relays.open && s.relays.close).toBe(false);
            // A closing arm under a vehicle is not left closing: it is re-opened (or faulted).
            if (presence && s.started) expect(s.target).not.toBe('closed');
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
