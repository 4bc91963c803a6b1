import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { HealthState } from '../../devices/health.ts';
import { CalibrationWatch, type CalibrationWatchDeps, calibrationAlarm } from './calibration-watch.ts';
import type { LaneAlarms } from './lane-alarms.ts';
import type { LaneModeKeeper } from './lane-mode.ts';
import type { LaneDevices } from './lane-ports.ts';
import type { LaneState } from './lane-records.ts';
import type { WorkQueue } from './work-queue.ts';

export type LaneDeviceName = 'scanner' | 'thermometer' | 'barrier';
/** A device still offline this long after start-up raises its alarm (it never reported going down). */
export const DEVICE_START_GRACE_MS = 30_000;

/**
 * A lane's devices' health as the lane sees it: each change goes to the lane's mode (a device
 * offline takes the lane out of auto), a device going offline raises its alarm, and one that
 * never came up raises it `DEVICE_START_GRACE_MS` after start-up. The thermometer's calibration
 * too: overdue raises an alarm, and it shows in the lane's state.
 */
export class LaneDeviceHealth {
  private graceTimer: TimerHandle | undefined;
  private readonly calibration: CalibrationWatch;

  constructor(
    private readonly o: {
      clock: Clock;
      queue: WorkQueue;
      mode: LaneModeKeeper;
      alarms: LaneAlarms;
      publish: () => void;
      calibration: CalibrationWatchDeps['config'];
      hasThermometer: boolean;
    },
  ) {
    this.calibration = new CalibrationWatch({
      config: o.calibration,
      clock: o.clock,
      overdue: (s) => {
        const { message, params } = calibrationAlarm(s);
        void o.queue.run(() => o.alarms.raise('calibration-overdue', message, undefined, undefined, params));
      },
    });
  }

  /** Starts from the devices' health as it is: a device that never comes up is offline too. */
  start(devices: LaneDevices): void {
    for (const [name, d] of Object.entries(devices) as [LaneDeviceName, LaneDevices[keyof LaneDevices]][])
      if (d?.health !== undefined) this.o.mode.deviceHealth(name, d.health, true);
    this.graceTimer = this.o.clock.setTimeout(
      () => void this.o.queue.run(() => this.alarmStillOffline()),
      DEVICE_START_GRACE_MS,
    );
    this.calibration.start();
  }

  stop(): void {
    this.o.clock.clearTimeout(this.graceTimer);
    this.calibration.stop();
  }

  /** The thermometer's calibration for the lane's state, when its config names an interval. */
  calibrationState(): Pick<LaneState, 'calibration'> {
    const thermometer = this.o.hasThermometer ? this.calibration.status() : undefined;
    return thermometer ? { calibration: { thermometer } } : {};
  }

  async changed(device: LaneDeviceName, state: HealthState, reason: string): Promise<void> {
    if (this.o.mode.deviceHealth(device, state))
      await this.o.alarms.raise('device-offline', `${device} is offline: ${reason}`, undefined, undefined, {
        device,
      });
    this.o.publish();
  }

  private async alarmStillOffline(): Promise<void> {
    for (const device of this.o.mode.stillOffline())
      await this.o.alarms.raise(
        'device-offline',
        `${device} has been offline since start-up`,
        undefined,
        undefined,
        {
          device,
          sinceStart: 1,
        },
      );
    this.o.publish();
  }
}
