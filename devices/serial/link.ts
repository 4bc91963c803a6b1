import type { EventEmitter } from 'node:events';
import type { SerialPortSettings } from './port-settings.ts';

/**
 * The serial seam: an open serial line. Drivers get a SerialOpener passed in and never import
 * serialport themselves. Backed by serialport on a real box or a PTY (`serialport-opener.ts`),
 * or by an in-memory line to a simulated device (`in-process-hub.ts`).
 *
 * Events: `data` (Buffer) for every chunk received; `close` (Error | undefined) once, when the
 * line is gone — closed by us, or lost (unplugged), in which case an Error is given.
 */
export interface SerialLink extends EventEmitter {
  readonly path: string;
  readonly isOpen: boolean;
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface SerialOpener {
  /** Opens a line; rejects (with GatepostError PortOpenFailed) if the device is not there. */
  open(settings: SerialPortSettings): Promise<SerialLink>;
}
