import type { HealthState } from '../../devices/health.ts';
import type { LaneMode } from './lane-records.ts';

/**
 * A lane's mode and its devices' health. `auto`: decisions move the barrier. `manual`: a device
 * is offline or the barrier is in trouble (a fault, or a command it did not carry out), so the
 * barrier stays shut until staff act; the lane returns to `auto` by itself once every device is
 * back and the barrier has reached a limit again (or staff put it back to `auto`, which clears
 * a past barrier trouble but not an offline device nor a barrier still in fault).
 * `maintenance`: set and cleared by staff only.
 *
 * It also says when to raise an alarm: once per barrier trouble, once per device going offline
 * (none in maintenance: technicians are at work on the lane).
 */
export class LaneModeKeeper {
  private staff: 'auto' | 'maintenance' = 'auto';
  private staffReason: string | undefined;
  /** Why the barrier cannot be trusted to move by itself, until it reaches a limit again. */
  private barrierTrouble: string | undefined;
  private troubleAlarmed = false;
  private readonly health: Record<string, HealthState> = {};
  private readonly offlineAlarmed = new Set<string>();

  get mode(): LaneMode {
    if (this.staff === 'maintenance') return 'maintenance';
    return this.manualReason() === undefined ? 'auto' : 'manual';
  }

  get reason(): string | undefined {
    if (this.staff === 'maintenance') return this.staffReason;
    return this.manualReason() ?? this.staffReason;
  }

  devices(): Record<string, HealthState> {
    return { ...this.health };
  }

  /** Staff set the mode. Back to `auto` clears a past barrier trouble unless it is still in fault. */
  set(mode: 'auto' | 'maintenance', reason: string, barrierInFault = false): void {
    this.staff = mode;
    this.staffReason = reason;
    if (mode === 'auto' && !barrierInFault) this.barrierRecovered();
  }

  /**
   * The barrier faulted or did not carry out a command: manual until it reaches a limit again.
   * Returns true when this trouble needs its alarm (the first of an episode).
   */
  toManual(reason: string): boolean {
    this.barrierTrouble = reason;
    if (this.troubleAlarmed || this.staff === 'maintenance') return false;
    this.troubleAlarmed = true;
    return true;
  }

  /** The barrier reached a limit (open or closed): it works again. */
  barrierRecovered(): void {
    this.barrierTrouble = undefined;
    this.troubleAlarmed = false;
  }

  /**
   * A device's health changed (or is known at start-up: `quiet`). Returns true when the device
   * has just gone offline and needs its alarm.
   */
  deviceHealth(device: string, state: HealthState, quiet = false): boolean {
    const before = this.health[device];
    this.health[device] = state;
    if (state !== 'offline') this.offlineAlarmed.delete(device);
    return !quiet && state === 'offline' && before !== 'offline' && this.alarmOffline(device);
  }

  /** The devices still offline (after the start-up grace) whose alarm is yet to be raised. */
  stillOffline(): string[] {
    return Object.entries(this.health)
      .filter(([d, s]) => s === 'offline' && this.alarmOffline(d))
      .map(([d]) => d);
  }

  private alarmOffline(device: string): boolean {
    if (this.staff === 'maintenance' || this.offlineAlarmed.has(device)) return false;
    this.offlineAlarmed.add(device);
    return true;
  }

  private manualReason(): string | undefined {
    const down = Object.entries(this.health)
      .filter(([, s]) => s === 'offline')
      .map(([d]) => d);
    if (down.length > 0) return `${down.join(', ')} offline`;
    return this.barrierTrouble;
  }
}
