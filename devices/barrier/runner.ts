import type { Clock, TimerHandle } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { BarrierCommandResult, BarrierState } from '../events.ts';
import {
  type Action,
  type BarrierAction,
  type BarrierInput,
  type BarrierMachineState,
  type BarrierTimings,
  type DetectorRole,
  initialBarrierState,
  type Relay,
  type TimerName,
  transition,
} from './safety-machine.ts';

/** What the runner tells the outside world; the drivers turn these into checked events. */
export interface BarrierRunnerHooks {
  /** Carry out a relay action (GPIO: set the line; serial: send OPEN/CLOSE when energised). */
  relay(relay: Relay, on: boolean): void;
  state(state: BarrierState, previous: BarrierState, reason: string): void;
  vehicle(kind: 'arrived' | 'cleared'): void;
  tailgate(state: BarrierState): void;
  /** A detector high for the configured time (stuck), or low again after that. */
  stuck?(role: DetectorRole, name: string, stuck: boolean): void;
  fault(reason: string): void;
}

/**
 * Runs the pure safety machine: feeds it inputs one at a time (inputs raised while actions are
 * being carried out are queued, so the machine never re-enters), carries out its actions with
 * the injected clock, and settles command promises.
 */
export class BarrierRunner {
  private s: BarrierMachineState = initialBarrierState();
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly pending = new Map<number, (r: BarrierCommandResult) => void>();
  private readonly queue: BarrierInput[] = [];
  private busy = false;
  private nextId = 1;

  constructor(
    private readonly timings: BarrierTimings,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly hooks: BarrierRunnerHooks,
  ) {}

  get state(): Readonly<BarrierMachineState> {
    return this.s;
  }

  command(action: Action): Promise<BarrierCommandResult> {
    const id = this.nextId++;
    const result = new Promise<BarrierCommandResult>((resolve) => this.pending.set(id, resolve));
    this.feed({ type: 'command', id, action });
    return result;
  }

  feed(input: BarrierInput): void {
    this.queue.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const { state, actions } = transition(this.s, next, this.timings);
        this.s = state;
        for (const a of actions) this.carryOut(a);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Clears every timer (after a `stop` input). */
  dispose(): void {
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  private carryOut(a: BarrierAction): void {
    try {
      switch (a.type) {
        case 'relay':
          this.hooks.relay(a.relay, a.on);
          return;
        case 'start-timer': {
          this.clock.clearTimeout(this.timers.get(a.timer));
          const handle = this.clock.setTimeout(() => {
            this.timers.delete(a.timer);
            this.feed({ type: 'timer', timer: a.timer });
          }, a.ms);
          this.timers.set(a.timer, handle);
          return;
        }
        case 'cancel-timer':
          this.clock.clearTimeout(this.timers.get(a.timer));
          this.timers.delete(a.timer);
          return;
        case 'state':
          this.hooks.state(a.state, a.previous, a.reason);
          return;
        case 'vehicle':
          this.hooks.vehicle(a.kind);
          return;
        case 'tailgate':
          this.hooks.tailgate(this.s.arm);
          return;
        case 'stuck':
          this.hooks.stuck?.(a.role, a.name, a.stuck);
          return;
        case 'fault':
          this.hooks.fault(a.reason);
          return;
        case 'resolve': {
          const resolve = this.pending.get(a.id);
          this.pending.delete(a.id);
          const at = this.clock.now();
          const state = this.s.arm;
          resolve?.(
            a.outcome.ok
              ? { ok: true, action: a.action, state, at }
              : {
                  ok: false,
                  action: a.action,
                  failure: a.outcome.failure,
                  reason: a.outcome.reason,
                  state,
                  at,
                },
          );
          return;
        }
      }
    } catch (err) {
      // A relay that cannot be set is logged; the machine's own state stays the safe one.
      this.log.error({ err: errorMessage(err), action: a.type }, 'barrier action failed');
    }
  }
}
