import type { HealthState } from '../../devices/health.ts';
import type { LaneMode } from './lane-records.ts';

/**
 * A lane's mode and its devices' health. `auto`: decisions move the barrier. `manual`: a device
 * is offline or the barrier faulted, so the barrier stays shut until staff act; the lane returns
 * to `auto` by itself once every device is back and the barrier is not in fault. `maintenance`:
 * set and cleared by staff only.
 */
export class LaneModeKeeper {
  private current: LaneMode = 'auto';
  private why: string | undefined;
  private readonly health: Record<string, HealthState> = {};

  get mode(): LaneMode {
    return this.current;
  }

  get reason(): string | undefined {
    return this.why;
  }

  devices(): Record<string, HealthState> {
    return { ...this.health };
  }

  set(mode: 'auto' | 'maintenance', reason: string): void {
    this.current = mode;
    this.why = reason;
  }

  /** A fault: manual unless staff put the lane into maintenance. */
  toManual(reason: string): void {
    if (this.current === 'maintenance') return;
    this.current = 'manual';
    this.why = reason;
  }

  /**
   * A device's health changed. Returns true when this turned an automatic lane to manual (the
   * caller raises the alarm).
   */
  deviceHealth(device: string, state: HealthState, barrierFault: boolean): boolean {
    this.health[device] = state;
    const down = Object.entries(this.health)
      .filter(([, s]) => s === 'offline')
      .map(([d]) => d);
    if (down.length > 0) {
      if (this.current !== 'auto') return false;
      this.toManual(`${down.join(', ')} offline`);
      return true;
    }
    if (this.current === 'manual' && !barrierFault) {
      this.current = 'auto';
      this.why = undefined;
    }
    return false;
  }
}
