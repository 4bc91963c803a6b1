import { inputRegisters, ModbusUnit } from '../modbus/slave.ts';

/** IR1 (distance to target, cm) of a free bay: no target in range. */
export const FREE_DISTANCE_CM = 0;
/** IR1 of an occupied bay unless told otherwise: a truck's cab under the sensor. */
export const OCCUPIED_DISTANCE_CM = 120;

/**
 * One bay occupancy sensor (datasheet section 5) at its own slave address: function 0x04,
 * IR0 occupied (0/1), IR1 distance to the target in cm.
 */
export class BaySensor {
  readonly unit: ModbusUnit;
  private occupiedNow = false;
  private distance = FREE_DISTANCE_CM;

  constructor(
    readonly label: string,
    readonly address: number,
  ) {
    this.unit = new ModbusUnit(address, [inputRegisters(() => this.registers())]);
  }

  get occupied(): boolean {
    return this.occupiedNow;
  }

  get distanceCm(): number {
    return this.distance;
  }

  /** False: the sensor is dead (no power, broken drop cable) and never answers. */
  get online(): boolean {
    return this.unit.online;
  }

  set online(on: boolean) {
    this.unit.online = on;
  }

  /** A truck parks in the bay. */
  occupy(distanceCm = OCCUPIED_DISTANCE_CM): void {
    if (!Number.isInteger(distanceCm) || distanceCm < 0 || distanceCm > 0xffff) {
      throw new RangeError(`distance must be 0-65535 cm, got ${distanceCm}`);
    }
    this.occupiedNow = true;
    this.distance = distanceCm;
  }

  /** The bay is empty again. */
  free(): void {
    this.occupiedNow = false;
    this.distance = FREE_DISTANCE_CM;
  }

  registers(): [number, number] {
    return [this.occupiedNow ? 1 : 0, this.distance];
  }
}
