import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../../core/clock.ts';

/** Where the boom is: at an end, moving, or stopped half-way (fault, or both relays at once). */
export type ArmState = 'closed' | 'opening' | 'open' | 'closing' | 'stopped';

export interface BarrierArmOptions {
  clock: Clock;
  /** Full travel, closed to open or back, in clock ms (datasheet: about 2.5 s). */
  travelMs?: number;
  initial?: 'closed' | 'open';
}

export const DEFAULT_TRAVEL_MS = 2500;

/**
 * The boom and its motor, on the injected clock. Travel is linear: reversing half-way takes
 * half the travel time back. Events: `state` (ArmState) on every change.
 */
export class BarrierArm extends EventEmitter {
  readonly travelMs: number;
  private readonly clock: Clock;
  private pos: number;
  private motion: { dir: 1 | -1; from: number; at: number } | undefined;
  private timer: TimerHandle | undefined;
  private current: ArmState;

  constructor(options: BarrierArmOptions) {
    super();
    this.clock = options.clock;
    this.travelMs = options.travelMs ?? DEFAULT_TRAVEL_MS;
    if (!(this.travelMs > 0)) throw new RangeError(`travel time must be > 0, got ${this.travelMs}`);
    this.pos = options.initial === 'open' ? 1 : 0;
    this.current = options.initial === 'open' ? 'open' : 'closed';
  }

  get state(): ArmState {
    return this.current;
  }

  /** 0 = fully closed, 1 = fully open. */
  position(): number {
    const m = this.motion;
    if (!m) return this.pos;
    return Math.min(1, Math.max(0, m.from + (m.dir * (this.clock.now() - m.at)) / this.travelMs));
  }

  open(): void {
    this.move(1);
  }

  close(): void {
    this.move(-1);
  }

  /** Stops the motor where the arm is. */
  stop(): void {
    this.pos = this.position();
    this.halt();
    this.setState(this.pos >= 1 ? 'open' : this.pos <= 0 ? 'closed' : 'stopped');
  }

  /** Cancels the travel timer (device stopped). */
  dispose(): void {
    this.pos = this.position();
    this.halt();
  }

  private move(dir: 1 | -1): void {
    if (this.motion?.dir === dir) return;
    const p = this.position();
    this.halt();
    this.pos = p;
    const target = dir === 1 ? 1 : 0;
    if (p === target) {
      this.setState(dir === 1 ? 'open' : 'closed');
      return;
    }
    this.motion = { dir, from: p, at: this.clock.now() };
    this.timer = this.clock.setTimeout(() => this.arrive(dir), Math.abs(target - p) * this.travelMs);
    this.setState(dir === 1 ? 'opening' : 'closing');
  }

  private arrive(dir: 1 | -1): void {
    this.timer = undefined;
    this.motion = undefined;
    this.pos = dir === 1 ? 1 : 0;
    this.setState(dir === 1 ? 'open' : 'closed');
  }

  private halt(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.motion = undefined;
  }

  private setState(s: ArmState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }
}
