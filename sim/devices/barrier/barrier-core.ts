import { EventEmitter } from 'node:events';
import type { Clock } from '../../../core/clock.ts';
import { ErrorCode, GatepostError } from '../../../core/errors.ts';
import type { BarrierDetector } from '../../../devices/barrier/detectors.ts';
import { type ArmState, BarrierArm } from './arm.ts';

/**
 * Safety rules the gateway must keep (datasheet section 3), seen from the barrier: the
 * simulator records every breach so a test can assert there was none.
 *  - `close-with-vehicle`: a close command (relay pulse or CLOSE) while a presence input (a
 *    safety loop or a photo-eye) is occupied;
 *  - `relays-together`: the open and close relays energised at the same time;
 *  - `arm-down-on-vehicle`: the arm reached fully closed with a presence input occupied.
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
  /** The barrier's detectors (default: one safety loop named `loop`). */
  detectors?: readonly BarrierDetector[];
}

const ONE_LOOP: readonly BarrierDetector[] = [{ role: 'presence', name: 'loop', kind: 'loop' }];

export type CommandResult = 'ok' | 'refused' | 'fault';

/**
 * What both barrier kinds share: the arm, the detectors (safety loops, photo-eyes, arming and
 * reset loops), a jam fault and the safety record. `putVehicle`/`removeVehicle` work the main
 * safety loop (the first presence loop); `setDetector` any detector by name.
 * Events: `state` (ArmState) when the arm's state or the jam changes; `detector` (name, high)
 * on any detector's change; `loop` (occupied: boolean) on the main loop's; `violation` (Violation).
 */
export class BarrierCore extends EventEmitter {
  readonly arm: BarrierArm;
  readonly interlock: Interlock;
  readonly violations: Violation[] = [];
  readonly detectors: readonly BarrierDetector[];
  /** The safety loop putVehicle and removeVehicle work. */
  readonly mainLoop: string;
  private readonly clock: Clock;
  private readonly levels = new Map<string, boolean>();
  private isJammed = false;

  constructor(options: BarrierCoreOptions) {
    super();
    this.clock = options.clock;
    this.interlock = { refuseClose: false, reverse: false, ...options.interlock };
    this.detectors = options.detectors && options.detectors.length > 0 ? options.detectors : ONE_LOOP;
    const presence = this.detectors.filter((d) => d.role === 'presence');
    this.mainLoop =
      (presence.find((d) => d.kind === 'loop') ?? presence[0] ?? this.detectors[0])?.name ?? 'loop';
    for (const d of this.detectors) this.levels.set(d.name, false);
    this.arm = new BarrierArm({
      clock: options.clock,
      ...(options.travelMs !== undefined ? { travelMs: options.travelMs } : {}),
      ...(options.initial ? { initial: options.initial } : {}),
    });
    this.arm.on('state', (s: ArmState) => {
      if (s === 'closed' && this.presenceOccupied) this.violate('arm-down-on-vehicle');
      this.emit('state', s);
    });
  }

  get state(): ArmState {
    return this.arm.state;
  }

  /** The main safety loop is occupied. */
  get loopOccupied(): boolean {
    return this.levels.get(this.mainLoop) ?? false;
  }

  /** Any presence input (safety loop, photo-eye) is occupied: the arm must not come down. */
  get presenceOccupied(): boolean {
    return this.detectors.some((d) => d.role === 'presence' && this.levels.get(d.name));
  }

  /** A detector's level (false for a name the barrier does not have). */
  detector(name: string): boolean {
    return this.levels.get(name) ?? false;
  }

  get jammed(): boolean {
    return this.isJammed;
  }

  /** A vehicle rolls onto the main loop. */
  putVehicle(): void {
    this.setDetector(this.mainLoop, true);
  }

  /** The vehicle has left the main loop. */
  removeVehicle(): void {
    this.setDetector(this.mainLoop, false);
  }

  open(): CommandResult {
    if (this.isJammed) return 'fault';
    this.arm.open();
    return 'ok';
  }

  close(): CommandResult {
    if (this.presenceOccupied) {
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

  /** A detector sees a vehicle (`high`) or no longer does. */
  setDetector(name: string, high: boolean): void {
    const d = this.detectors.find((x) => x.name === name);
    if (!d) throw new GatepostError(ErrorCode.NotFound, `the barrier has no detector ${name}`);
    if (this.levels.get(name) === high) return;
    this.levels.set(name, high);
    this.emit('detector', name, high);
    if (name === this.mainLoop) this.emit('loop', high);
    const underArm = high && d.role === 'presence';
    if (underArm && this.arm.state === 'closing' && this.interlock.reverse && !this.isJammed) this.arm.open();
  }
}
