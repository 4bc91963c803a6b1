import { EventEmitter } from 'node:events';
import type { Clock } from '../../../core/clock.ts';
import { type ArmState, BarrierArm } from './arm.ts';

/**
 * Safety rules the gateway must keep (datasheet section 3), seen from the barrier: the
 * simulator records every breach so a test can assert there was none.
 *  - `close-with-vehicle`: a close command (relay pulse or CLOSE) while the loop is occupied;
 *  - `relays-together`: the open and close relays energised at the same time;
 *  - `arm-down-on-vehicle`: the arm reached fully closed with a vehicle on the loop.
 */
export type ViolationKind = 'close-with-vehicle' | 'relays-together' | 'arm-down-on-vehicle';

export interface Violation {
  kind: ViolationKind;
  /** Clock time (ms since the epoch). */
  at: number;
}

/**
 * The barrier controller's own hard-wired loop interlock (absent unless configured; the
 * datasheet's serial barrier always refuses CLOSE on an occupied loop):
 * `refuseClose` ignores close commands while the loop is occupied, `reverse` re-opens an arm
 * that is closing when a vehicle reaches the loop.
 */
export interface Interlock {
  refuseClose: boolean;
  reverse: boolean;
}

export interface BarrierCoreOptions {
  clock: Clock;
  travelMs?: number;
  initial?: 'closed' | 'open';
  interlock?: Partial<Interlock>;
}

export type CommandResult = 'ok' | 'refused' | 'fault';

/**
 * What both barrier kinds share: the arm, the vehicle loop, a jam fault and the safety record.
 * Events: `state` (ArmState) when the arm's state or the jam changes; `loop` (occupied: boolean);
 * `violation` (Violation).
 */
export class BarrierCore extends EventEmitter {
  readonly arm: BarrierArm;
  readonly interlock: Interlock;
  readonly violations: Violation[] = [];
  private readonly clock: Clock;
  private loop = false;
  private isJammed = false;

  constructor(options: BarrierCoreOptions) {
    super();
    this.clock = options.clock;
    this.interlock = { refuseClose: false, reverse: false, ...options.interlock };
    this.arm = new BarrierArm({
      clock: options.clock,
      ...(options.travelMs !== undefined ? { travelMs: options.travelMs } : {}),
      ...(options.initial ? { initial: options.initial } : {}),
    });
    this.arm.on('state', (s: ArmState) => {
      if (s === 'closed' && this.loop) this.violate('arm-down-on-vehicle');
      this.emit('state', s);
    });
  }

  get state(): ArmState {
    return this.arm.state;
  }

  get loopOccupied(): boolean {
    return this.loop;
  }

  get jammed(): boolean {
    return this.isJammed;
  }

  /** A vehicle rolls onto the loop. */
  putVehicle(): void {
    this.setLoop(true);
  }

  /** The vehicle has left the loop. */
  removeVehicle(): void {
    this.setLoop(false);
  }

  open(): CommandResult {
    if (this.isJammed) return 'fault';
    this.arm.open();
    return 'ok';
  }

  close(): CommandResult {
    if (this.loop) {
      this.violate('close-with-vehicle');
      if (this.interlock.refuseClose) return 'refused';
    }
    if (this.isJammed) return 'fault';
    this.arm.close();
    return 'ok';
  }

  /** The motor stops where it is and ignores commands until `jam(false)`. */
  jam(on: boolean): void {
    if (on === this.isJammed) return;
    this.isJammed = on;
    if (on) this.arm.stop();
    this.emit('state', this.arm.state);
  }

  violate(kind: ViolationKind): void {
    const v: Violation = { kind, at: this.clock.now() };
    this.violations.push(v);
    this.emit('violation', v);
  }

  dispose(): void {
    this.arm.dispose();
  }

  private setLoop(occupied: boolean): void {
    if (occupied === this.loop) return;
    this.loop = occupied;
    this.emit('loop', occupied);
    if (occupied && this.arm.state === 'closing' && this.interlock.reverse && !this.isJammed) this.arm.open();
  }
}
