import type { BarrierFailure, BarrierState } from '../events.ts';
import { fail, StepBase } from './safety-step.ts';
import {
  type Action,
  anyHigh,
  type BarrierAction,
  type BarrierInput,
  type BarrierMachineState,
  type BarrierTimings,
  type DetectorLevel,
  type DetectorRole,
  presenceHigh,
  type Relay,
  type TimerName,
} from './safety-types.ts';

export * from './safety-types.ts';

/**
 * The barrier's safety rules (datasheet section 3) as ONE pure state machine, shared by the
 * GPIO and the serial barrier: `transition(state, input, timings)` returns the next state and
 * the actions to carry out, in order. It does no I/O and reads no clock; timers are actions
 * (`start-timer`) whose expiry comes back as an input.
 *
 * A barrier has one or more presence inputs (safety loops, photo-eyes), and may have an arming
 * loop (before the barrier) and a reset loop (past the arm). Rules it enforces whatever it is told:
 * - never energise `close` while any presence input is high, nor during a trailer gap: a close
 *   command is refused, an auto-close waits until the vehicle has cleared;
 * - a presence input going high while the arm closes cuts the close relay and drives open at once;
 * - the two relays are never on together: driving one direction first releases the other;
 * - a vehicle has cleared once every detector has been low for `trailerGapMs` (a shorter drop is
 *   the gap between a tractor and its trailer: the same vehicle), or at once when the reset loop
 *   drops with nothing else high (the truck has left);
 * - after a vehicle clears an open barrier, close after `autoCloseAfterClearMs`; if no vehicle
 *   comes within `closeIfNoVehicleMs` of the arm opening, close too;
 * - a second vehicle at the arm (a presence input) after the first cleared, before the arm is
 *   down: tailgate;
 * - a detector high for `stuckAfterMs` is reported stuck (once, and again when it drops);
 * - at start both relays are off and the arm's state comes from the limit switches;
 * - a commanded limit not reached within `travelTimeoutMs` is a fault.
 */
export function transition(
  state: BarrierMachineState,
  input: BarrierInput,
  timings: BarrierTimings,
): { state: BarrierMachineState; actions: BarrierAction[] } {
  const step = new Step(state, timings);
  step.apply(input);
  return { state: step.s, actions: step.actions };
}

class Step extends StepBase {
  /** Close may not be energised: a presence input is high, or a trailer may still follow. */
  private get blocked(): boolean {
    return this.s.loop || this.s.gap;
  }

  apply(input: BarrierInput): void {
    const s = this.s;
    if (input.type === 'start') {
      this.relay('close', false, true);
      this.relay('open', false, true);
      s.started = true;
      s.limitOpen = input.limitOpen;
      s.limitClosed = input.limitClosed;
      s.inputs = {};
      for (const d of input.detectors ?? [{ role: 'presence', name: 'loop', high: input.loop }]) {
        s.inputs[d.name] = { role: d.role, high: d.high };
        if (d.high) this.startStuckTimer(d.name);
      }
      s.loop = presenceHigh(s.inputs);
      s.gap = false;
      s.vehicle = anyHigh(s.inputs) ? 'present' : 'none';
      this.setArm(this.armFromLimits(undefined), 'start-up: read from the limit switches');
      if (s.arm === 'open') this.scheduleCloseOfOpenArm();
      return;
    }
    if (!s.started) {
      if (input.type === 'command')
        this.resolve(input.id, input.action, fail('offline', 'barrier state not known yet'));
      return;
    }
    switch (input.type) {
      case 'command':
        if (input.action === 'open') this.commandOpen(input.id);
        else this.commandClose(input.id);
        return;
      case 'limits':
        this.limits(input.limitOpen, input.limitClosed, input.moving);
        return;
      case 'loop':
        this.detector({ role: 'presence', name: 'loop', high: input.high });
        return;
      case 'detector':
        this.detector(input);
        return;
      case 'timer':
        this.timer(input.timer);
        return;
      case 'device-fault':
        this.fault(`barrier reports a fault: ${input.reason}`);
        return;
      case 'actuator-failed':
        this.actuatorFailed(input.relay, input.failure, input.reason);
        return;
      case 'offline':
        this.releaseRelays();
        this.cancel('travel');
        this.failWaiting(() => true, 'offline', input.reason);
        s.target = undefined;
        this.setArm('unknown', input.reason);
        return;
      case 'stop':
        this.releaseRelays();
        for (const timer of ['travel', 'auto-close', 'no-vehicle', 'trailer-gap'] as const)
          this.cancel(timer);
        for (const [name, i] of Object.entries(s.inputs)) if (i.high) this.cancel(`stuck:${name}`);
        this.failWaiting(() => true, 'stopped', 'barrier driver stopped');
        s.target = undefined;
        return;
    }
  }

  private commandOpen(id: number): void {
    const s = this.s;
    if (s.arm === 'open' && s.target === undefined) {
      // Already open: this opening is for a new transit.
      this.cancel('auto-close');
      s.vehicle = this.vehicleNow();
      this.scheduleCloseOfOpenArm();
      this.resolve(id, 'open', { ok: true });
      return;
    }
    s.waiting.push({ id, action: 'open' });
    if (s.target === 'open') return;
    this.failWaiting((w) => w.action === 'close', 'superseded', 'an open command came after it');
    this.drive('open', 'open command');
  }

  private commandClose(id: number): void {
    const s = this.s;
    if (s.loop) {
      this.resolve(id, 'close', fail('unsafe', 'a vehicle is on the loop'));
      return;
    }
    if (s.gap) {
      this.resolve(id, 'close', fail('unsafe', 'a trailer may follow: the loop dropped in a trailer gap'));
      return;
    }
    if (s.arm === 'closed' && s.target === undefined) {
      this.resolve(id, 'close', { ok: true });
      return;
    }
    s.waiting.push({ id, action: 'close' });
    if (s.target === 'closed') return;
    this.failWaiting((w) => w.action === 'open', 'superseded', 'a close command came after it');
    this.drive('close', 'close command');
  }

  /** Energise one relay for a pulse, after releasing the other; the arm should reach its limit in time. */
  private drive(direction: Action, reason: string): void {
    const s = this.s;
    if (direction === 'close' && this.blocked) return; // never reached: callers check; kept as the last guard
    this.cancel('auto-close');
    this.cancel('no-vehicle');
    const other: Relay = direction === 'open' ? 'close' : 'open';
    this.relay(other, false);
    this.relay(direction, true);
    this.start('pulse', this.t.pulseMs);
    this.start('travel', this.t.travelTimeoutMs);
    s.target = direction === 'open' ? 'open' : 'closed';
    // An opening is for the vehicle on the loop now, or for one still to come.
    if (direction === 'open') s.vehicle = this.vehicleNow();
    this.setArm(direction === 'open' ? 'opening' : 'closing', reason);
  }

  private limits(limitOpen: boolean, limitClosed: boolean, moving?: 'opening' | 'closing'): void {
    const s = this.s;
    s.limitOpen = limitOpen;
    s.limitClosed = limitClosed;
    if (limitOpen && limitClosed) {
      this.fault('both limit switches are high');
      return;
    }
    if (limitOpen) {
      this.reached('open');
      return;
    }
    if (limitClosed) {
      this.reached('closed');
      return;
    }
    if (s.arm === 'fault' && s.target === undefined) return;
    this.setArm(this.armFromLimits(moving), 'arm left its limit');
  }

  private reached(where: 'open' | 'closed'): void {
    const s = this.s;
    if (s.arm === where && s.target === undefined) return;
    this.cancel('travel');
    // Whatever was driving it is done: its own direction, or the other one (the arm went there instead).
    if (s.relays.open || s.relays.close) this.releaseRelays();
    const action: Action = where === 'open' ? 'open' : 'close';
    this.resolveWaiting((w) => w.action === action);
    this.failWaiting(() => true, 'fault', `the arm went ${where} instead`);
    s.target = undefined;
    this.setArm(where, where === 'open' ? 'open limit reached' : 'closed limit reached');
    if (where === 'open') {
      this.scheduleCloseOfOpenArm();
    } else {
      this.cancel('auto-close');
      this.cancel('no-vehicle');
      s.vehicle = 'none';
    }
  }

  /** An open arm closes 2 s after its vehicle cleared, or 30 s after opening with none. */
  private scheduleCloseOfOpenArm(): void {
    const s = this.s;
    if (s.vehicle === 'passed' && !this.blocked) this.start('auto-close', this.t.autoCloseAfterClearMs);
    else if (s.vehicle === 'none' && !anyHigh(s.inputs) && !s.gap)
      this.start('no-vehicle', this.t.closeIfNoVehicleMs);
  }

  /** The vehicle of a new opening: one already in the lane's detection, or one still to come. */
  private vehicleNow(): 'present' | 'none' {
    return anyHigh(this.s.inputs) || this.s.gap ? 'present' : 'none';
  }

  /** The arm is up or going up for the current opening (a vehicle now is for this opening). */
  private get forThisOpening(): boolean {
    const s = this.s;
    return s.target === 'closed' || s.arm === 'closing' || s.arm === 'open' || s.arm === 'opening';
  }

  private detector(d: DetectorLevel): void {
    const s = this.s;
    const prev = s.inputs[d.name];
    if (prev && prev.role === d.role && prev.high === d.high) return;
    if (!prev && !d.high) {
      s.inputs[d.name] = { role: d.role, high: false };
      return;
    }
    const wasHeld = anyHigh(s.inputs);
    const wasPresence = s.loop;
    s.inputs[d.name] = { role: d.role, high: d.high };
    s.loop = presenceHigh(s.inputs);
    const held = anyHigh(s.inputs);
    if (d.high) this.startStuckTimer(d.name);
    else this.endStuck(d.role, d.name);

    const fromGap = s.gap;
    if (held && !wasHeld) {
      if (fromGap) {
        // Back within the trailer gap: the trailer of the same vehicle.
        s.gap = false;
        this.cancel('trailer-gap');
      } else {
        this.arrived();
      }
    }
    if (s.loop && !wasPresence) this.presenceHigh(fromGap);
    if (!held && wasHeld) {
      const left = d.role === 'reset';
      if (left || !(this.t.trailerGapMs && this.t.trailerGapMs > 0)) this.cleared();
      else {
        s.gap = true;
        this.start('trailer-gap', this.t.trailerGapMs);
      }
    }
  }

  /** A vehicle came into the lane's detection (not the trailer of the one before). */
  private arrived(): void {
    const s = this.s;
    this.actions.push({ type: 'vehicle', kind: 'arrived' });
    this.cancel('no-vehicle');
    if (this.forThisOpening && s.vehicle === 'none') s.vehicle = 'present';
  }

  /** A presence input (at the arm) went high: re-open a closing arm; a second vehicle is a tailgate. */
  private presenceHigh(fromGap: boolean): void {
    const s = this.s;
    const closing = s.target === 'closed' || s.arm === 'closing';
    if (!fromGap && this.forThisOpening && s.vehicle === 'passed') {
      this.actions.push({ type: 'tailgate' });
      s.vehicle = 'present';
    }
    // Never a close relay on with a vehicle at the arm, whatever the arm's state says.
    if (s.relays.close) this.releaseRelays();
    if (closing) {
      // Safety: a vehicle under a closing arm. Cut the close pulse, drive open at once.
      this.failWaiting((w) => w.action === 'close', 'unsafe', 'a vehicle came onto the loop while closing');
      s.target = undefined;
      this.drive('open', 'vehicle on the loop while closing: re-opening');
    } else {
      this.cancel('auto-close');
      this.cancel('no-vehicle');
    }
    if (this.forThisOpening && s.vehicle === 'none') s.vehicle = 'present';
  }

  /** The vehicle has gone: every detector low for the trailer gap, or past the reset loop. */
  private cleared(): void {
    const s = this.s;
    s.gap = false;
    this.cancel('trailer-gap');
    this.actions.push({ type: 'vehicle', kind: 'cleared' });
    if (s.arm === 'open' || s.arm === 'opening' || s.target === 'open') {
      s.vehicle = 'passed';
      if (s.arm === 'open' && s.target === undefined && !s.loop)
        this.start('auto-close', this.t.autoCloseAfterClearMs);
    }
  }

  private startStuckTimer(name: string): void {
    const ms = this.t.stuckAfterMs;
    if (ms && ms > 0) this.start(`stuck:${name}`, ms);
  }

  private endStuck(role: DetectorRole, name: string): void {
    this.cancel(`stuck:${name}`);
    if (!this.s.stuck.includes(name)) return;
    this.s.stuck = this.s.stuck.filter((n) => n !== name);
    this.actions.push({ type: 'stuck', role, name, stuck: false });
  }

  private timer(timer: TimerName): void {
    const s = this.s;
    if (timer.startsWith('stuck:')) {
      const name = timer.slice('stuck:'.length);
      const input = s.inputs[name];
      if (!input?.high || s.stuck.includes(name)) return;
      s.stuck = [...s.stuck, name];
      this.actions.push({ type: 'stuck', role: input.role, name, stuck: true });
      return;
    }
    switch (timer) {
      case 'pulse':
        this.relay('open', false);
        this.relay('close', false);
        return;
      case 'travel':
        if (s.target === undefined) return;
        this.fault(`the ${s.target} limit was not reached within ${this.t.travelTimeoutMs} ms`);
        return;
      case 'trailer-gap':
        if (s.gap) this.cleared();
        return;
      case 'auto-close':
      case 'no-vehicle':
        // Never close on a vehicle: if one is on the loop, its clearing re-arms the auto-close.
        if (s.arm !== 'open' || s.target !== undefined || this.blocked) return;
        this.drive(
          'close',
          timer === 'auto-close'
            ? 'auto-close after the vehicle cleared'
            : `auto-close: no vehicle within ${this.t.closeIfNoVehicleMs} ms`,
        );
        return;
    }
  }

  private actuatorFailed(relay: Relay, failure: BarrierFailure, reason: string): void {
    const s = this.s;
    const action: Action = relay === 'open' ? 'open' : 'close';
    if (s.target !== (relay === 'open' ? 'open' : 'closed')) return;
    this.relay(relay, false);
    this.cancel('pulse');
    this.cancel('travel');
    this.failWaiting((w) => w.action === action, failure, reason);
    s.target = undefined;
    this.setArm(this.armFromLimits(undefined), `${action} failed: ${reason}`);
    if (s.arm === 'open') this.scheduleCloseOfOpenArm();
  }

  private fault(reason: string): void {
    const s = this.s;
    this.releaseRelays();
    this.cancel('travel');
    this.cancel('auto-close');
    this.cancel('no-vehicle');
    this.failWaiting(() => true, 'fault', reason);
    s.target = undefined;
    this.actions.push({ type: 'fault', reason });
    this.setArm('fault', reason);
  }

  private armFromLimits(moving: 'opening' | 'closing' | undefined): BarrierState {
    const s = this.s;
    if (s.limitOpen && s.limitClosed) return 'fault';
    if (s.limitOpen) return 'open';
    if (s.limitClosed) return 'closed';
    if (s.target === 'open') return 'opening';
    if (s.target === 'closed') return 'closing';
    return moving ?? 'unknown';
  }
}
