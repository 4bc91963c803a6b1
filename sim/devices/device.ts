import type { DevicePort } from './device-port.ts';

export type SimDeviceKind =
  | 'scanner'
  | 'wedge-scanner'
  | 'thermometer'
  | 'gpio-barrier'
  | 'serial-barrier'
  | 'bay-sensor-bus'
  | 'printer';

/** What every simulated device offers the site, the tests, the traffic generator and the demo. */
export interface SimDevice {
  readonly kind: SimDeviceKind;
  /** For logs and look-ups, e.g. `east-1 scanner` or `bay bus bus-3`. */
  readonly name: string;
  /** Plugs the device in (serial) or connects it to its GPIO lines, and starts its behaviour. */
  start(): Promise<void>;
  /** Stops its timers and unplugs it. Idempotent. */
  stop(): Promise<void>;
}

/** A device that can be unplugged and plugged back in while running. */
export interface SimPluggableDevice extends SimDevice {
  /** The cable is pulled: the host end is lost and the path disappears. */
  unplug(): Promise<void>;
  /** The cable is back at the same path. */
  replug(): Promise<void>;
}

/** A device on a serial line. */
export interface SimSerialDevice extends SimPluggableDevice {
  readonly port: DevicePort;
}
