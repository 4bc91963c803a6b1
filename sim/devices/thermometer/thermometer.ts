import type { Clock } from '../../../core/clock.ts';
import type { ThermometerConfig } from '../../../devices/thermometer/config.ts';
import type { SerialAttachment } from '../../attach/attachment.ts';
import type { SimSerialDevice } from '../device.ts';
import { DevicePort } from '../device-port.ts';
import { inputRegisters, ModbusRtuSlave, ModbusUnit } from '../modbus/slave.ts';
import { ThermometerModel, type ThermometerReading } from './model.ts';

export interface SimThermometerOptions {
  clock: Clock;
  name?: string;
  ambientC?: number;
  settleMs?: number;
  chunkMs?: number;
}

/**
 * The Modbus RTU thermometer of datasheet section 2: a slave at the configured address
 * answering function 0x04 for IR0-IR2 (anything else: exception 01), on its own serial line.
 *
 * Control API: presentTarget(°C), removeTarget(), setAmbient(°C), setFault(on), unplug(), replug().
 * Faults on the wire: setNoReply(on) (timeouts), setException(code), sendBadCrc(count),
 * forceReading(°C) (implausible readings). Other faults can be layered onto `unit` with
 * `unit.use(behaviour, { first: true })`.
 */
export class SimThermometer implements SimSerialDevice {
  readonly kind = 'thermometer' as const;
  readonly name: string;
  readonly model: ThermometerModel;
  readonly port: DevicePort;
  readonly slave: ModbusRtuSlave;
  readonly unit: ModbusUnit;
  private removeNoReply: (() => void) | undefined;
  private removeException: (() => void) | undefined;

  constructor(
    readonly config: ThermometerConfig,
    attachment: SerialAttachment,
    options: SimThermometerOptions,
  ) {
    this.name = options.name ?? `thermometer ${config.port.path}`;
    this.model = new ThermometerModel({
      clock: options.clock,
      ...(options.ambientC !== undefined ? { ambientC: options.ambientC } : {}),
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
    });
    this.port = new DevicePort(attachment, config.port, options.chunkMs);
    this.slave = new ModbusRtuSlave(this.port);
    this.unit = this.slave.addUnit(
      new ModbusUnit(config.slaveAddress, [inputRegisters(() => this.model.registers())]),
    );
  }

  async start(): Promise<void> {
    this.slave.start();
    await this.port.plug();
  }

  async stop(): Promise<void> {
    this.slave.stop();
    await this.port.unplug();
  }

  unplug(): Promise<void> {
    return this.port.unplug();
  }

  replug(): Promise<void> {
    return this.port.replug();
  }

  presentTarget(tempC: number): void {
    this.model.presentTarget(tempC);
  }

  removeTarget(): void {
    this.model.removeTarget();
  }

  setAmbient(tempC: number): void {
    this.model.setAmbient(tempC);
  }

  setFault(on: boolean): void {
    this.model.setFault(on);
  }

  /** On: the thermometer hears every request and answers none (the master times out). Off: it answers again. */
  setNoReply(on: boolean): void {
    this.removeNoReply?.();
    this.removeNoReply = on ? this.unit.use(() => ({ kind: 'silent' }), { first: true }) : undefined;
  }

  /** Every request is answered with this Modbus exception code (e.g. 4, server device failure) until `undefined`. */
  setException(code: number | undefined): void {
    if (code !== undefined && (!Number.isInteger(code) || code < 1 || code > 255)) {
      throw new RangeError(`a Modbus exception code is 1-255, got ${code}`);
    }
    this.removeException?.();
    this.removeException =
      code === undefined ? undefined : this.unit.use(() => ({ kind: 'exception', code }), { first: true });
  }

  /** The next `count` replies go out with a corrupted CRC (`Infinity`: every reply; 0: none). */
  sendBadCrc(count: number): void {
    if (!(count >= 0)) throw new RangeError(`count must be >= 0, got ${count}`);
    this.unit.badCrcReplies = count;
  }

  /** IR0 reads this temperature whatever is in front of the sensor, until `undefined` (an implausible reading). */
  forceReading(tempC: number | undefined): void {
    this.model.forceObjectReading(tempC);
  }

  reading(): ThermometerReading {
    return this.model.reading();
  }
}
