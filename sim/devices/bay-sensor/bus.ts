import { ErrorCode, GatepostError } from '../../../core/errors.ts';
import type { BaySensorBusConfig } from '../../../devices/bay-sensor/config.ts';
import { bayLabel } from '../../../site-config/schema.ts';
import type { SerialAttachment } from '../../attach/attachment.ts';
import type { SimSerialDevice } from '../device.ts';
import { DevicePort } from '../device-port.ts';
import { ModbusRtuSlave } from '../modbus/slave.ts';
import { BaySensor } from './sensor.ts';

export interface SimBaySensorBusOptions {
  name?: string;
  chunkMs?: number;
}

/**
 * One multi-drop RS-485 bus of bay sensors (datasheet section 5): a single serial line whose
 * Modbus slave answers for every sensor address of the bus config, silent for the others.
 *
 * Control API: occupy(label, cm?), free(label), setOnline(label, on), sensor(label), unplug(), replug(),
 * setSilent(on) (the whole bus stops answering while its port stays plugged in).
 */
export class SimBaySensorBus implements SimSerialDevice {
  readonly kind = 'bay-sensor-bus' as const;
  readonly name: string;
  readonly port: DevicePort;
  readonly slave: ModbusRtuSlave;
  private readonly sensors = new Map<string, BaySensor>();

  constructor(
    readonly config: BaySensorBusConfig,
    attachment: SerialAttachment,
    options: SimBaySensorBusOptions = {},
  ) {
    this.name = options.name ?? `bay bus ${config.id}`;
    this.port = new DevicePort(attachment, config.port, options.chunkMs);
    this.slave = new ModbusRtuSlave(this.port);
    for (const range of config.sensors) {
      for (let n = range.fromBay; n <= range.toBay; n++) {
        const sensor = new BaySensor(bayLabel(range.bayPrefix, n), range.firstAddress + (n - range.fromBay));
        this.slave.addUnit(sensor.unit);
        this.sensors.set(sensor.label, sensor);
      }
    }
  }

  get id(): string {
    return this.config.id;
  }

  /** Labels of the bays on this bus, in config order. */
  labels(): string[] {
    return [...this.sensors.keys()];
  }

  has(label: string): boolean {
    return this.sensors.has(label);
  }

  /** The sensor of a bay; throws GatepostError NotFound if it is not on this bus. */
  sensor(label: string): BaySensor {
    const s = this.sensors.get(label);
    if (!s)
      throw new GatepostError(ErrorCode.NotFound, `bay ${label} has no sensor on bus ${this.config.id}`);
    return s;
  }

  occupy(label: string, distanceCm?: number): void {
    this.sensor(label).occupy(distanceCm);
  }

  free(label: string): void {
    this.sensor(label).free();
  }

  setOnline(label: string, online: boolean): void {
    this.sensor(label).online = online;
  }

  /** On: no sensor of the bus hears or answers anything (bus power lost, A/B pair cut); the port stays plugged in. */
  setSilent(on: boolean): void {
    this.slave.silent = on;
  }

  get silent(): boolean {
    return this.slave.silent;
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
}
