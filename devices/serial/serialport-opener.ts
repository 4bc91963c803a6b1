import { EventEmitter } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { EventLoopBinding } from './event-loop-binding.ts';
import type { SerialLink, SerialOpener } from './link.ts';
import type { SerialPortSettings } from './port-settings.ts';

/**
 * The real SerialOpener, over the `serialport` package's stream (v13) with a binding that reads
 * and writes on the event loop (event-loop-binding.ts). Works for UARTs, USB adapters and
 * pseudo-terminals alike. Open ports by `/dev/serial/by-id/...` on a real box: that name
 * survives a replug, `/dev/ttyUSB0` may come back as `ttyUSB1`.
 */
export class SerialPortOpener implements SerialOpener {
  async open(settings: SerialPortSettings): Promise<SerialLink> {
    const port = new SerialPortStream({
      binding: EventLoopBinding,
      path: settings.path,
      baudRate: settings.baudRate,
      dataBits: settings.dataBits,
      parity: settings.parity,
      stopBits: settings.stopBits,
      rtscts: false,
      xon: false,
      xoff: false,
      hupcl: false,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (!err) return resolve();
        reject(
          new GatepostError(
            ErrorCode.PortOpenFailed,
            `cannot open serial port ${settings.path}: ${err.message}`,
            {
              path: settings.path,
            },
          ),
        );
      });
    });
    return new SerialPortLink(settings.path, port);
  }
}

/** A SerialLink over an open serialport stream. */
class SerialPortLink extends EventEmitter implements SerialLink {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly port: SerialPortStream,
  ) {
    super();
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    // Stream errors (a failed write after an unplug, a failed close) also end in 'close'; a
    // listener here keeps them from becoming uncaught exceptions.
    port.on('error', (err: Error) => {
      if (!this.closed && !port.isOpen) this.finish(err);
    });
    port.on('close', (err: Error | null) => this.finish(err ?? undefined));
  }

  get isOpen(): boolean {
    return !this.closed && this.port.isOpen;
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new GatepostError(ErrorCode.PortClosed, `serial port ${this.path} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(data), (err) => {
        if (err)
          reject(
            new GatepostError(ErrorCode.PortClosed, `write to ${this.path} failed: ${errorMessage(err)}`),
          );
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.port.isOpen) {
      this.finish(undefined);
      return;
    }
    await new Promise<void>((resolve) => {
      this.port.close(() => resolve());
    });
    this.finish(undefined);
  }

  private finish(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.port.removeAllListeners('data');
    const lost = err
      ? new GatepostError(ErrorCode.PortClosed, `serial port ${this.path} was lost: ${err.message}`, {
          path: this.path,
        })
      : undefined;
    this.emit('close', lost);
  }
}
