import type { BarrierFailure, BarrierState } from '../events.ts';
import type {
  Action,
  BarrierAction,
  BarrierMachineState,
  BarrierTimings,
  CommandOutcome,
  Relay,
  TimerName,
} from './safety-types.ts';

/**
 * One transition of the safety machine (safety-machine.ts): the state being changed, the actions
 * collected in order, and the bookkeeping every rule uses (arm state, relays, timers, commands).
 */
export abstract class StepBase {
  readonly s: BarrierMachineState;
  readonly actions: BarrierAction[] = [];

  constructor(
    prev: BarrierMachineState,
    protected readonly t: BarrierTimings,
  ) {
    this.s = {
      ...prev,
      inputs: { ...prev.inputs },
      stuck: [...prev.stuck],
      relays: { ...prev.relays },
      waiting: [...prev.waiting],
    };
  }

  protected setArm(arm: BarrierState, reason: string): void {
    const previous = this.s.arm;
    if (previous === arm) return;
    this.s.arm = arm;
    this.actions.push({ type: 'state', state: arm, previous, reason });
  }

  protected relay(relay: Relay, on: boolean, force = false): void {
    if (this.s.relays[relay] === on && !force) return;
    this.s.relays[relay] = on;
    this.actions.push({ type: 'relay', relay, on });
  }

  protected releaseRelays(): void {
    this.relay('open', false);
    this.relay('close', false);
    this.cancel('pulse');
  }

  protected start(timer: TimerName, ms: number): void {
    this.actions.push({ type: 'start-timer', timer, ms });
  }

  protected cancel(timer: TimerName): void {
    this.actions.push({ type: 'cancel-timer', timer });
  }

  protected resolve(id: number, action: Action, outcome: CommandOutcome): void {
    this.actions.push({ type: 'resolve', id, action, outcome });
  }

  protected resolveWaiting(which: (w: { id: number; action: Action }) => boolean): void {
    const keep: { id: number; action: Action }[] = [];
    for (const w of this.s.waiting) {
      if (which(w)) this.resolve(w.id, w.action, { ok: true });
      else keep.push(w);
    }
    this.s.waiting = keep;
  }

  protected failWaiting(
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

export function fail(failure: BarrierFailure, reason: string): CommandOutcome {
  return { ok: false, failure, reason };
}
