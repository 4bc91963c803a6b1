import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { BarrierRunner, type BarrierRunnerHooks } from '../../../devices/barrier/runner.ts';
import {
  type BarrierAction,
  type BarrierInput,
  type BarrierMachineState,
  initialBarrierState,
  transition,
} from '../../../devices/barrier/safety-machine.ts';

const timings = {
  pulseMs: 300,
  travelTimeoutMs: 6000,
  autoCloseAfterClearMs: 2000,
  closeIfNoVehicleMs: 30000,
};

/** The runner of the pure machine on a ManualClock, recording every hook call in order. */
function harness(
  start: { limitOpen?: boolean; limitClosed?: boolean; loop?: boolean } = { limitClosed: true },
) {
  const clock = new ManualClock();
  const log: string[] = [];
  const relays = { open: false, close: false };
  const hooks: BarrierRunnerHooks = {
    relay: (relay, on) => {
      relays[relay] = on;
      log.push(`relay ${relay} ${on ? 'on' : 'off'}`);
      expect(relays.open && relays.close).toBe(false);
    },
    state: (state) => log.push(`state ${state}`),
    vehicle: (kind) => log.push(`vehicle ${kind}`),
    tailgate: () => log.push('tailgate'),
    fault: (reason) => log.push(`fault ${reason}`),
  };
  const runner = new BarrierRunner(timings, clock, silentLogger(), hooks);
  runner.feed({
    type: 'start',
    limitOpen: start.limitOpen ?? false,
    limitClosed: start.limitClosed ?? false,
    loop: start.loop ?? false,
  });
  const limits = (limitOpen: boolean, limitClosed: boolean) =>
    runner.feed({ type: 'limits', limitOpen, limitClosed });
  const loop = (high: boolean) => runner.feed({ type: 'loop', high });
  const settled = <T>(p: Promise<T>) => {
    const box: { value?: T } = {};
    void p.then((v) => {
      box.value = v;
    });
    return box;
  };
  return { clock, log, relays, runner, limits, loop, settled };
}

describe('barrier safety machine: start-up', () => {
  it('switches both relays off and reads the arm from the limit switches', () => {
    for (const [limits, arm] of [
      [{ limitClosed: true, limitOpen: false }, 'closed'],
      [{ limitClosed: false, limitOpen: true }, 'open'],
      [{ limitClosed: false, limitOpen: false }, 'unknown'],
      [{ limitClosed: true, limitOpen: true }, 'fault'],
    ] as const) {
      const { state, actions } = transition(
        initialBarrierState(),
        { type: 'start', loop: false, ...limits },
        timings,
      );
      expect(actions.slice(0, 2)).toEqual([
        { type: 'relay', relay: 'close', on: false },
        { type: 'relay', relay: 'open', on: false },
      ]);
      expect(state.arm).toBe(arm);
      expect(state.relays).toEqual({ open: false, close: false });
    }
  });

  it('refuses commands before it has started', () => {
    const { actions } = transition(
      initialBarrierState(),
      { type: 'command', id: 1, action: 'open' },
      timings,
    );
    expect(actions).toEqual([
      {
        type: 'resolve',
        id: 1,
        action: 'open',
        outcome: { ok: false, failure: 'offline', reason: expect.any(String) },
      },
    ]);
  });
});

describe('barrier safety machine with a ManualClock', () => {
  it('opens with a 300 ms pulse and resolves the command when the open limit is reached', async () => {
    const h = harness();
    const r = h.settled(h.runner.command('open'));
    expect(h.log.slice(-2)).toEqual(['relay open on', 'state opening']);
    await h.clock.advance(300);
    expect(h.relays.open).toBe(false);
    h.limits(false, false);
    await h.clock.advance(2200);
    expect(r.value).toBeUndefined();
    h.limits(true, false);
    await h.clock.advance(0);
    expect(r.value).toMatchObject({ ok: true, action: 'open', state: 'open' });
  });

  it('never pulses close while a vehicle is on the loop: the command fails as unsafe', async () => {
    const h = harness({ limitOpen: true, loop: true });
    const r = h.settled(h.runner.command('close'));
    await h.clock.advance(0);
    expect(r.value).toMatchObject({ ok: false, failure: 'unsafe' });
    expect(h.log).not.toContain('relay close on');
  });

  it('a vehicle on the loop while closing cuts the close pulse first, then pulses open at once', async () => {
    const h = harness({ limitOpen: true });
    const r = h.settled(h.runner.command('close'));
    await h.clock.advance(100); // still inside the 300 ms close pulse
    expect(h.relays.close).toBe(true);
    h.limits(false, false);
    const before = h.log.length;
    h.loop(true);
    expect(h.log.slice(before)).toEqual([
      'vehicle arrived',
      'relay close off',
      'relay open on',
      'state opening',
    ]);
    await h.clock.advance(0);
    expect(r.value).toMatchObject({ ok: false, failure: 'unsafe' });
    h.limits(true, false);
    expect(h.runner.state.arm).toBe('open');
    // It stays open while the vehicle is there, and closes 2 s after it has cleared.
    await h.clock.advance(60_000);
    expect(h.runner.state.arm).toBe('open');
    h.loop(false);
    await h.clock.advance(1999);
    expect(h.relays.close).toBe(false);
    await h.clock.advance(1);
    expect(h.relays.close).toBe(true);
    expect(h.runner.state.arm).toBe('closing');
  });

  it('closes 2 s after the vehicle cleared the loop of an open barrier', async () => {
    const h = harness({ limitClosed: true, loop: true });
    h.settled(h.runner.command('open'));
    h.limits(true, false);
    h.loop(false);
    await h.clock.advance(1999);
    expect(h.runner.state.arm).toBe('open');
    await h.clock.advance(1);
    expect(h.log.at(-1)).toBe('state closing');
    expect(h.relays.close).toBe(true);
  });

  it('closes 30 s after opening when no vehicle came, but not over a vehicle that came just then', async () => {
    const h = harness();
    h.settled(h.runner.command('open'));
    h.limits(true, false);
    await h.clock.advance(29_999);
    expect(h.runner.state.arm).toBe('open');
    await h.clock.advance(1);
    expect(h.runner.state.arm).toBe('closing');

    const g = harness();
    g.settled(g.runner.command('open'));
    g.limits(true, false);
    await g.clock.advance(20_000);
    g.loop(true);
    await g.clock.advance(60_000);
    expect(g.runner.state.arm).toBe('open');
    expect(g.log).not.toContain('relay close on');
  });

  it('raises a tailgate alarm for a second vehicle before the arm is down, open or closing', async () => {
    const h = harness({ limitClosed: true, loop: true });
    h.settled(h.runner.command('open'));
    h.limits(true, false);
    h.loop(false); // first vehicle through
    await h.clock.advance(500);
    h.loop(true); // second vehicle while still open
    expect(h.log.slice(-2)).toEqual(['vehicle arrived', 'tailgate']);
    h.loop(false);
    await h.clock.advance(2000);
    expect(h.runner.state.arm).toBe('closing');
    h.loop(true); // a third while closing: alarm and re-open
    expect(h.log.slice(-5)).toEqual([
      'vehicle arrived',
      'tailgate',
      'relay close off',
      'relay open on',
      'state opening',
    ]);
  });

  it('a late first vehicle while closing is not a tailgate, but still re-opens the arm', async () => {
    const h = harness();
    h.settled(h.runner.command('open'));
    h.limits(true, false);
    await h.clock.advance(30_000); // no vehicle: auto-close
    h.loop(true);
    expect(h.log).not.toContain('tailgate');
    expect(h.runner.state.arm).toBe('opening');
  });

  it('is in fault when the commanded limit is not reached within 6 s', async () => {
    const h = harness();
    const r = h.settled(h.runner.command('open'));
    await h.clock.advance(5999);
    expect(r.value).toBeUndefined();
    await h.clock.advance(1);
    expect(r.value).toMatchObject({ ok: false, failure: 'fault', state: 'fault' });
    expect(h.log).toContain('state fault');
    expect(h.relays).toEqual({ open: false, close: false });
  });

  it('a later command for the other direction supersedes the first', async () => {
    const h = harness();
    const first = h.settled(h.runner.command('open'));
    const second = h.settled(h.runner.command('close'));
    await h.clock.advance(0);
    expect(first.value).toMatchObject({ ok: false, failure: 'superseded' });
    expect(h.log.slice(-3)).toEqual(['relay open off', 'relay close on', 'state closing']);
    h.limits(false, true);
    await h.clock.advance(0);
    expect(second.value).toMatchObject({ ok: true, state: 'closed' });
  });

  it('stop releases the relays and settles every waiting command', async () => {
    const h = harness();
    const r = h.settled(h.runner.command('open'));
    h.runner.feed({ type: 'stop' });
    h.runner.dispose();
    await h.clock.advance(0);
    expect(r.value).toMatchObject({ ok: false, failure: 'stopped' });
    expect(h.relays).toEqual({ open: false, close: false });
    expect(h.clock.pending).toBe(0);
  });
});

// ---- property-based: the safety invariants hold for any sequence of inputs --------------------

const inputArb: fc.Arbitrary<BarrierInput> = fc.oneof(
  fc.record({
    type: fc.constant('command' as const),
    id: fc.nat(),
    action: fc.constantFrom('open' as const, 'close' as const),
  }),
  fc.record({ type: fc.constant('limits' as const), limitOpen: fc.boolean(), limitClosed: fc.boolean() }),
  fc.record({ type: fc.constant('loop' as const), high: fc.boolean() }),
  fc.record({
    type: fc.constant('timer' as const),
    timer: fc.constantFrom('pulse' as const, 'travel' as const, 'auto-close' as const, 'no-vehicle' as const),
  }),
  fc.record({ type: fc.constant('device-fault' as const), reason: fc.constant('x') }),
  fc.record({
    type: fc.constant('actuator-failed' as const),
    relay: fc.constantFrom('open' as const, 'close' as const),
    failure: fc.constantFrom('refused' as const, 'no-reply' as const, 'unsafe' as const),
    reason: fc.constant('x'),
  }),
);

describe('barrier safety machine: invariants under random inputs (fast-check)', () => {
  it('never both relays on, never close energised on a loop, every command settled exactly once', () => {
    fc.assert(
      fc.property(
        fc.record({ limitOpen: fc.boolean(), limitClosed: fc.boolean(), loop: fc.boolean() }),
        fc.array(inputArb, { maxLength: 80 }),
        (start, inputs) => {
          let s: BarrierMachineState = initialBarrierState();
          const relays = { open: false, close: false };
          const settled = new Map<number, number>();
          let nextId = 1;
          const check = (state: BarrierMachineState, actions: BarrierAction[]) => {
            for (const a of actions) {
              if (a.type === 'relay') {
                relays[a.relay] = a.on;
                expect(relays.open && relays.close).toBe(false);
                if (a.relay === 'close' && a.on) expect(state.loop).toBe(false);
              }
              if (a.type === 'resolve') settled.set(a.id, (settled.get(a.id) ?? 0) + 1);
            }
            expect(state.relays).toEqual(relays);
          };
          const first = transition(s, { type: 'start', ...start }, timings);
          check(first.state, first.actions);
          expect(relays).toEqual({ open: false, close: false });
          s = first.state;
          for (const raw of inputs) {
            const input = raw.type === 'command' ? { ...raw, id: nextId++ } : raw;
            const next = transition(s, input, timings);
            check(next.state, next.actions);
            s = next.state;
            expect(s.waiting.every((w) => !settled.has(w.id))).toBe(true);
          }
          const end = transition(s, { type: 'stop' }, timings);
          check(end.state, end.actions);
          expect(relays).toEqual({ open: false, close: false });
          for (let id = 1; id < nextId; id++) expect(settled.get(id)).toBe(1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
