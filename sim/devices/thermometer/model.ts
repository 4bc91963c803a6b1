import type { Clock } from '../../../core/clock.ts';
import { tenthsRegister } from '../modbus/pdu.ts';

/** Status bits of IR2 (datasheet section 2). */
export const ThermometerStatus = {
  TargetPresent: 0b001,
  Stable: 0b010,
  SensorFault: 0b100,
} as const;

/** What IR0 and IR1 read while the sensor is faulted: -3276.8 °C, implausible on purpose. */
export const FAULT_REGISTER = 0x8000;

export interface ThermometerModelOptions {
  clock: Clock;
  /** Ambient temperature, °C. */
  ambientC?: number;
  /** How long the object reading takes to settle on a new target (clock ms); bit 1 is set after it. */
  settleMs?: number;
}

export interface ThermometerReading {
  objectC: number;
  ambientC: number;
  present: boolean;
  stable: boolean;
  fault: boolean;
}

/**
 * The thermometer's sensor, over time on the injected clock: with no target, the object
 * reading is the ambient temperature; when a target is presented the reading moves linearly
 * from what it was to the target's temperature over `settleMs`, then bit 1 (stable) is set.
 * Registers are computed when read, so no timers run.
 */
export class ThermometerModel {
  readonly settleMs: number;
  private readonly clock: Clock;
  private ambient: number;
  private target: { tempC: number; fromC: number; since: number } | undefined;
  private faulted = false;
  private forcedC: number | undefined;

  constructor(options: ThermometerModelOptions) {
    this.clock = options.clock;
    this.ambient = options.ambientC ?? 22;
    this.settleMs = options.settleMs ?? 500;
  }

  /** Someone steps in front of the sensor with this skin temperature (or the target's temperature changes). */
  presentTarget(tempC: number): void {
    if (!Number.isFinite(tempC)) throw new RangeError(`temperature must be a number, got ${tempC}`);
    const fromC = this.reading().objectC;
    this.target = { tempC, fromC, since: this.clock.now() };
  }

  /** The target walks away. */
  removeTarget(): void {
    this.target = undefined;
  }

  setAmbient(c: number): void {
    if (!Number.isFinite(c)) throw new RangeError(`temperature must be a number, got ${c}`);
    this.ambient = c;
  }

  /** Sensor fault on or off (status bit 2). */
  setFault(on: boolean): void {
    this.faulted = on;
  }

  /**
   * The sensor reads this object temperature (IR0) whatever is in front of it, until
   * `undefined`: a glitching sensor's implausible readings. Status bits are unchanged.
   */
  forceObjectReading(tempC: number | undefined): void {
    if (tempC !== undefined && !Number.isFinite(tempC)) {
      throw new RangeError(`temperature must be a number, got ${tempC}`);
    }
    this.forcedC = tempC;
  }

  reading(): ThermometerReading {
    const t = this.target;
    let objectC = this.ambient;
    let stable = false;
    if (t) {
      const elapsed = this.clock.now() - t.since;
      stable = elapsed >= this.settleMs;
      objectC = stable ? t.tempC : t.fromC + ((t.tempC - t.fromC) * elapsed) / this.settleMs;
    }
    return {
      objectC: this.forcedC ?? objectC,
      ambientC: this.ambient,
      present: t !== undefined,
      stable: stable && !this.faulted,
      fault: this.faulted,
    };
  }

  /** IR0 object temperature, IR1 ambient (signed, 0.1 °C), IR2 status bits. */
  registers(): [number, number, number] {
    const r = this.reading();
    const status =
      (r.present ? ThermometerStatus.TargetPresent : 0) |
      (r.stable ? ThermometerStatus.Stable : 0) |
      (r.fault ? ThermometerStatus.SensorFault : 0);
    if (r.fault) return [FAULT_REGISTER, FAULT_REGISTER, status];
    return [tenthsRegister(r.objectC), tenthsRegister(r.ambientC), status];
  }
}
