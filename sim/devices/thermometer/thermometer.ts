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
 * Faults that need other answers are layered onto `unit` with `unit.use(behaviour, { first: true })`.
 */
export class SimThermometer implements SimSerialDevice {
  readonly kind = 'thermometer' as const;
  readonly name: string;
  readonly model: ThermometerModel;
  readonly port: DevicePort;
  readonly slave: ModbusRtuSlave;
  readonly unit: ModbusUnit;

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

  reading(): ThermometerReading {
    return this.model.reading();
  }
}
