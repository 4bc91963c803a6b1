import type { BarrierFailure, BarrierState } from '../events.ts';

/**
 * The barrier's safety rules (datasheet section 3) as ONE pure state machine, shared by the
 * GPIO and the serial barrier: `transition(state, input, timings)` returns the next state and
 * the actions to carry out, in order. It does no I/O and reads no clock; timers are actions
 * (`start-timer`) whose expiry comes back as an input.
 *
 * Rules it enforces whatever it is told:
 * - never energise `close` while the loop is high: a close command is refused, an auto-close
 *   waits until the vehicle has cleared;
 * - the loop going high while the arm closes cuts the close relay and drives open at once;
 * - the two relays are never on together: driving one direction first releases the other;
 * - after a vehicle clears the loop of an open barrier, close after `autoCloseAfterClearMs`; if
 *   no vehicle reaches the loop within `closeIfNoVehicleMs` of the arm opening, close too;
 * - a second vehicle on the loop after the first cleared, before the arm is down: tailgate;
 * - at start both relays are off and the arm's state comes from the limit switches;
 * - a commanded limit not reached within `travelTimeoutMs` is a fault.
 */
export type Relay = 'open' | 'close';
export type TimerName = 'pulse' | 'travel' | 'auto-close' | 'no-vehicle';
export type Action = 'open' | 'close';

export interface BarrierTimings {
  pulseMs: number;
  travelTimeoutMs: number;
  autoCloseAfterClearMs: number;
  closeIfNoVehicleMs: number;
}

export type BarrierInput =
  | { type: 'start'; limitOpen: boolean; limitClosed: boolean; loop: boolean }
  | { type: 'command'; id: number; action: Action }
  /** The limit switches now read so (serial: from an ST line, with the direction it reports). */
  | { type: 'limits'; limitOpen: boolean; limitClosed: boolean; moving?: 'opening' | 'closing' }
  | { type: 'loop'; high: boolean }
  | { type: 'timer'; timer: TimerName }
  /** The barrier itself reports a fault (serial `ST FAULT`). */
  | { type: 'device-fault'; reason: string }
  /** A drive could not be carried out (serial: `ERR`, no reply, port down). */
  | { type: 'actuator-failed'; relay: Relay; failure: BarrierFailure; reason: string }
  /** The link to the barrier is gone: its state is unknown until it reports again. */
  | { type: 'offline'; reason: string }
  | { type: 'stop' };

export type CommandOutcome = { ok: true } | { ok: false; failure: BarrierFailure; reason: string };

export type BarrierAction =
  | { type: 'relay'; relay: Relay; on: boolean }
  | { type: 'start-timer'; timer: TimerName; ms: number }
  | { type: 'cancel-timer'; timer: TimerName }
  | { type: 'state'; state: BarrierState; previous: BarrierState; reason: string }
  | { type: 'vehicle'; kind: 'arrived' | 'cleared' }
  | { type: 'tailgate' }
  | { type: 'fault'; reason: string }
  | { type: 'resolve'; id: number; action: Action; outcome: CommandOutcome };

export interface BarrierMachineState {
  started: boolean;
  arm: BarrierState;
  limitOpen: boolean;
  limitClosed: boolean;
  loop: boolean;
  relays: { open: boolean; close: boolean };
  /** Where the gateway is driving the arm, if anywhere. */
  target: 'open' | 'closed' | undefined;
  /** Commands waiting for the arm to reach their state. */
  waiting: { id: number; action: Action }[];
  /** The vehicle of the current opening: none yet, on the loop, or gone through. */
  vehicle: 'none' | 'present' | 'passed';
}

export function initialBarrierState(): BarrierMachineState {
  return {
    started: false,
    arm: 'unknown',
    limitOpen: false,
    limitClosed: false,
    loop: false,
    relays: { open: false, close: false },
    target: undefined,
    waiting: [],
    vehicle: 'none',
  };
}

export function transition(
  state: BarrierMachineState,
  input: BarrierInput,
  timings: BarrierTimings,
): { state: BarrierMachineState; actions: BarrierAction[] } {
  const step = new Step(state, timings);
  step.apply(input);
  return { state: step.s, actions: step.actions };
}

class Step {
  readonly s: BarrierMachineState;
  readonly actions: BarrierAction[] = [];

  constructor(
    prev: BarrierMachineState,
    private readonly t: BarrierTimings,
  ) {
    this.s = { ...prev, relays: { ...prev.relays }, waiting: [...prev.waiting] };
  }

  apply(input: BarrierInput): void {
    const s = this.s;
    if (input.type === 'start') {
      this.relay('close', false, true);
      this.relay('open', false, true);
      s.started = true;
      s.limitOpen = input.limitOpen;
      s.limitClosed = input.limitClosed;
      s.loop = input.loop;
      s.vehicle = input.loop ? 'present' : 'none';
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
        if (input.high !== s.loop) {
          if (input.high) this.loopHigh();
          else this.loopLow();
        }
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
        for (const timer of ['travel', 'auto-close', 'no-vehicle'] as const) this.cancel(timer);
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
      s.vehicle = s.loop ? 'present' : 'none';
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
    if (direction === 'close' && s.loop) return; // never reached: callers check; kept as the last guard
    this.cancel('auto-close');
    this.cancel('no-vehicle');
    const other: Relay = direction === 'open' ? 'close' : 'open';
    this.relay(other, false);
    this.relay(direction, true);
    this.start('pulse', this.t.pulseMs);
    this.start('travel', this.t.travelTimeoutMs);
    s.target = direction === 'open' ? 'open' : 'closed';
    // An opening is for the vehicle on the loop now, or for one still to come.
    if (direction === 'open') s.vehicle = s.loop ? 'present' : 'none';
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
    const relay: Relay = where === 'open' ? 'open' : 'close';
    if (s.relays[relay]) {
      this.relay(relay, false);
      this.cancel('pulse');
    }
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

  /** An open arm closes 2 s after its vehicle cleared the loop, or 30 s after opening with none. */
  private scheduleCloseOfOpenArm(): void {
    const s = this.s;
    if (s.vehicle === 'passed' && !s.loop) this.start('auto-close', this.t.autoCloseAfterClearMs);
    else if (s.vehicle === 'none' && !s.loop) this.start('no-vehicle', this.t.closeIfNoVehicleMs);
  }

  private loopHigh(): void {
    const s = this.s;
    s.loop = true;
    this.actions.push({ type: 'vehicle', kind: 'arrived' });
    const closing = s.target === 'closed' || s.arm === 'closing';
    const forThisOpening = closing || s.arm === 'open' || s.arm === 'opening';
    if (forThisOpening && s.vehicle === 'passed') this.actions.push({ type: 'tailgate' });
    if (closing) {
      // Safety: a vehicle under a closing arm. Cut the close pulse, drive open at once.
      this.failWaiting((w) => w.action === 'close', 'unsafe', 'a vehicle came onto the loop while closing');
      s.target = undefined;
      this.drive('open', 'vehicle on the loop while closing: re-opening');
    } else {
      this.cancel('auto-close');
      this.cancel('no-vehicle');
    }
    if (forThisOpening) s.vehicle = 'present';
  }

  private loopLow(): void {
    const s = this.s;
    s.loop = false;
    this.actions.push({ type: 'vehicle', kind: 'cleared' });
    if (s.arm === 'open' || s.arm === 'opening' || s.target === 'open') {
      s.vehicle = 'passed';
      if (s.arm === 'open' && s.target === undefined) this.start('auto-close', this.t.autoCloseAfterClearMs);
    }
  }

  private timer(timer: TimerName): void {
    const s = this.s;
    switch (timer) {
      case 'pulse':
        this.relay('open', false);
        this.relay('close', false);
        return;
      case 'travel':
        if (s.target === undefined) return;
        this.fault(`the ${s.target} limit was not reached within ${this.t.travelTimeoutMs} ms`);
        return;
      case 'auto-close':
      case 'no-vehicle':
        // Never close on a vehicle: if one is on the loop, its clearing re-arms the auto-close.
        if (s.arm !== 'open' || s.target !== undefined || s.loop) return;
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

  private setArm(arm: BarrierState, reason: string): void {
    const previous = this.s.arm;
    if (previous === arm) return;
    this.s.arm = arm;
    this.actions.push({ type: 'state', state: arm, previous, reason });
  }

  private relay(relay: Relay, on: boolean, force = false): void {
    if (this.s.relays[relay] === on && !force) return;
    this.s.relays[relay] = on;
    this.actions.push({ type: 'relay', relay, on });
  }

  private releaseRelays(): void {
    this.relay('open', false);
    this.relay('close', false);
    this.cancel('pulse');
  }

  private start(timer: TimerName, ms: number): void {
    this.actions.push({ type: 'start-timer', timer, ms });
  }

  private cancel(timer: TimerName): void {
    this.actions.push({ type: 'cancel-timer', timer });
  }

  private resolve(id: number, action: Action, outcome: CommandOutcome): void {
    this.actions.push({ type: 'resolve', id, action, outcome });
  }

  private resolveWaiting(which: (w: { id: number; action: Action }) => boolean): void {
    const keep: { id: number; action: Action }[] = [];
    for (const w of this.s.waiting) {
      if (which(w)) this.resolve(w.id, w.action, { ok: true });
      else keep.push(w);
    }
    this.s.waiting = keep;
  }

  private failWaiting(
    which: (w: { id: number; action: Action }) => boolean,
    failure: BarrierFailure,
    reason: string,
  ) {
    const keep: { id: number; action: Action }[] = [];
    for (const w of this.s.waiting) {
      if (which(w)) this.resolve(w.id, w.action, fail(failure, reason));
      else keep.push(w);
    }
    this.s.waiting = keep;
  }
}

function fail(failure: BarrierFailure, reason: string): CommandOutcome {
  return { ok: false, failure, reason };
}
