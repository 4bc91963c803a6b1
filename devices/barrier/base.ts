import type { Clock } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import {
  type BarrierCommand,
  type BarrierCommandResult,
  BarrierCommandSchema,
  type BarrierState,
  type BarrierStateEvent,
  BarrierStateEventSchema,
  type DeviceErrorEvent,
  DeviceErrorEventSchema,
  emitChecked,
  type HealthEvent,
  HealthEventSchema,
  type TailgateEvent,
  TailgateEventSchema,
  type VehicleEvent,
  VehicleEventSchema,
} from '../events.ts';
import { HealthCell, type HealthRule, type HealthState } from '../health.ts';
import type { WireClock } from '../serial/wire-clock.ts';
import { type DetectorStuckEvent, DetectorStuckEventSchema } from './detector-events.ts';
import type { BarrierDetector } from './detectors.ts';
import { BarrierRunner } from './runner.ts';
import type { BarrierTimings, Relay } from './safety-machine.ts';

// A type alias (not an interface): its keys stay literal for callers' overloads, and it still
// fits EventBus's Record<string, unknown>.
export type BarrierEvents = {
  state: BarrierStateEvent;
  vehicle: VehicleEvent;
  tailgate: TailgateEvent;
  /** A detector stuck high, or low again after it was. */
  stuck: DetectorStuckEvent;
  error: DeviceErrorEvent;
  health: HealthEvent;
};

/** What the gateway sees of either barrier kind. */
export interface BarrierDriver {
  start(): void;
  stop(): Promise<void>;
  /** Resolves when the arm is open, or with the reason it is not (never rejects). */
  open(): Promise<BarrierCommandResult>;
  /** Resolves when the arm is closed, or with the reason it is not (never rejects). */
  close(): Promise<BarrierCommandResult>;
  command(command: BarrierCommand): Promise<BarrierCommandResult>;
  on<K extends keyof BarrierEvents>(event: K, listener: (payload: BarrierEvents[K]) => unknown): () => void;
  readonly state: BarrierState;
  /** Any presence input (safety loop, photo-eye) high, as the driver last saw them (debounced). */
  readonly loop: boolean;
  readonly health: HealthState;
}

/** The part both barrier kinds share: the runner of the safety machine and the events. */
export abstract class BarrierBase implements BarrierDriver {
  protected readonly bus: EventBus<BarrierEvents>;
  protected readonly runner: BarrierRunner;
  protected readonly healthCell: HealthCell;

  constructor(
    protected readonly clock: Clock,
    protected readonly log: Logger,
    timings: BarrierTimings,
    health: { rule: HealthRule; wire: WireClock },
    /** Every detector of the barrier (presence inputs, arming and reset loops). */
    readonly detectors: readonly BarrierDetector[],
  ) {
    this.bus = new EventBus(log);
    this.healthCell = new HealthCell({
      ...health,
      onChange: (change) => {
        this.log.info(change, 'barrier health');
        this.healthChanged(change.state, change.reason);
        emitChecked(this.bus, 'health', HealthEventSchema, { ...change, at: clock.now() }, log);
      },
    });
    this.runner = new BarrierRunner(timings, clock, log, {
      relay: (relay, on) => this.relay(relay, on),
      state: (state, previous, reason) => {
        this.log.info({ state, previous, reason }, 'barrier state');
        emitChecked(
          this.bus,
          'state',
          BarrierStateEventSchema,
          { state, previous, reason, at: clock.now() },
          log,
        );
        this.stateChanged(state, reason);
      },
      vehicle: (kind) => emitChecked(this.bus, 'vehicle', VehicleEventSchema, { kind, at: clock.now() }, log),
      tailgate: (barrierState) => {
        this.log.warn({ barrierState }, 'tailgate: a second vehicle on the loop');
        emitChecked(this.bus, 'tailgate', TailgateEventSchema, { barrierState, at: clock.now() }, log);
      },
      stuck: (role, name, stuck) => {
        const kind = detectors.find((d) => d.name === name)?.kind ?? 'loop';
        const afterMs = timings.stuckAfterMs ?? 0;
        if (stuck)
          this.error(
            ErrorCode.BarrierDetectorStuck,
            'detector-stuck',
            `${role} detector ${name} (${kind}) high for over ${afterMs} ms`,
          );
        else this.log.info({ detector: name, role }, 'barrier detector low again after it was stuck');
        emitChecked(
          this.bus,
          'stuck',
          DetectorStuckEventSchema,
          { detector: name, role, kind, stuck, afterMs, at: clock.now() },
          log,
        );
      },
      fault: (reason) => this.error(ErrorCode.BarrierFault, 'fault', reason),
    });
  }

  abstract start(): void;
  abstract stop(): Promise<void>;
  /** Carry out one relay action of the safety machine. */
  protected abstract relay(relay: Relay, on: boolean): void;

  get state(): BarrierState {
    return this.runner.state.arm;
  }

  get loop(): boolean {
    return this.runner.state.loop;
  }

  get health(): HealthState {
    return this.healthCell.state;
  }

  on<K extends keyof BarrierEvents>(event: K, listener: (payload: BarrierEvents[K]) => unknown): () => void {
    return this.bus.on(event, listener);
  }

  open(): Promise<BarrierCommandResult> {
    return this.command({ action: 'open' });
  }

  close(): Promise<BarrierCommandResult> {
    return this.command({ action: 'close' });
  }

  async command(command: BarrierCommand): Promise<BarrierCommandResult> {
    const { action } = BarrierCommandSchema.parse(command);
    const result = await this.runner.command(action);
    if (!result.ok) {
      const code =
        result.failure === 'unsafe'
          ? ErrorCode.BarrierUnsafe
          : result.failure === 'refused'
            ? ErrorCode.BarrierRefused
            : result.failure === 'no-reply'
              ? ErrorCode.BarrierNoReply
              : undefined;
      if (code !== undefined) this.error(code, result.failure, `${action}: ${result.reason}`);
    }
    return result;
  }

  /** Called on every health change, before it is published. */
  protected healthChanged(_state: HealthState, _reason: string): void {}

  /** Health follows the arm: a fault makes the barrier degraded until it reaches a limit again. */
  protected stateChanged(state: BarrierState, reason: string): void {
    if (state === 'fault') this.healthCell.fault(reason);
    else if (state === 'open' || state === 'closed') this.healthCell.fault(undefined);
  }

  protected error(code: ErrorCode, kind: string, message: string): void {
    this.log.warn({ errorCode: code, kind }, message);
    emitChecked(
      this.bus,
      'error',
      DeviceErrorEventSchema,
      { errorCode: code, kind, message, at: this.clock.now() },
      this.log,
    );
  }
}
