import { EventEmitter } from 'node:events';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { SerialLink, SerialOpener } from './link.ts';
import type { SerialPortSettings } from './port-settings.ts';

/**
 * Serial lines in memory, for the demo and fast tests: a simulated device `plug`s itself in at
 * a path and gets the device end of the line; a driver `open`s the same path (through this hub
 * as its SerialOpener) and gets the host end. Bytes written on one end arrive at the other on a
 * later tick, in order. `unplug` drops the line as a pulled USB cable would.
 */
export class InProcessSerialHub implements SerialOpener {
  private readonly devices = new Map<string, DevicePort>();

  /** Device side: appear at `path`. The returned end stays valid across host reconnects. */
  plug(path: string): InProcessLink {
    if (this.devices.has(path))
      throw new GatepostError(ErrorCode.PortInUse, `a simulated device is already plugged in at ${path}`);
    const port: DevicePort = { device: new InProcessLink(path), host: undefined, settings: undefined };
    this.devices.set(path, port);
    port.device.peer = () => port.host;
    return port.device;
  }

  /** Device side: disappear from `path`; an open host end closes with an error. */
  unplug(path: string): void {
    const port = this.devices.get(path);
    if (!port) return;
    this.devices.delete(path);
    port.host?.lose(new GatepostError(ErrorCode.PortClosed, `serial device at ${path} was unplugged`));
    port.host = undefined;
  }

  isPlugged(path: string): boolean {
    return this.devices.has(path);
  }

  /** The settings the host opened `path` with (a device may check them, as a real UART would). */
  settingsOf(path: string): SerialPortSettings | undefined {
    return this.devices.get(path)?.settings;
  }

  async open(settings: SerialPortSettings): Promise<SerialLink> {
    const port = this.devices.get(settings.path);
    if (!port) {
      throw new GatepostError(ErrorCode.PortOpenFailed, `no such serial device: ${settings.path}`, {
        path: settings.path,
      });
    }
    if (port.host?.isOpen) {
      throw new GatepostError(ErrorCode.PortOpenFailed, `serial device ${settings.path} is busy`, {
        path: settings.path,
      });
    }
    const host = new InProcessLink(settings.path);
    host.peer = () => port.device;
    port.host = host;
    port.settings = settings;
    return host;
  }
}

interface DevicePort {
  device: InProcessLink;
  host: InProcessLink | undefined;
  settings: SerialPortSettings | undefined;
}

/** One end of an in-memory serial line. */
export class InProcessLink extends EventEmitter implements SerialLink {
  private open = true;
  /** The other end, looked up at write time (the host end changes when the driver reopens). */
  peer: () => InProcessLink | undefined = () => undefined;

  constructor(readonly path: string) {
    super();
  }

  get isOpen(): boolean {
    return this.open;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open) throw new GatepostError(ErrorCode.PortClosed, `serial line ${this.path} is closed`);
    const copy = Buffer.from(data);
    const target = this.peer();
    setImmediate(() => {
      if (target?.open) target.emit('data', copy);
    });
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.emit('close', undefined);
  }

  /** The line was lost (unplugged). */
  lose(err: Error): void {
    if (!this.open) return;
    this.open = false;
    this.emit('close', err);
  }
}
