import { EventEmitter } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import { EventLoopBinding } from '../../devices/serial/event-loop-binding.ts';
import type { SerialLink } from '../../devices/serial/link.ts';
import type { LineFormat } from '../pacing.ts';

/**
 * The device end of a PTY pair, opened with serialport, in the same shape as the in-process
 * hub's device end (SerialLink): `data` (Buffer) and `close` (Error | undefined) events, `write`,
 * `close`. Behaviours never know which one they are talking to.
 */
export class PtyDeviceLink extends EventEmitter implements SerialLink {
  private closed = false;
  /** The last error serialport reported (it emits `error` for failed writes, for instance). */
  lastError: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly port: SerialPortStream,
  ) {
    super();
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    port.on('error', (err: Error) => {
      this.lastError = err;
    });
    port.once('close', (err?: Error | null) => {
      this.closed = true;
      this.emit('close', err ?? undefined);
    });
  }

  static open(path: string, format: LineFormat): Promise<PtyDeviceLink> {
    return new Promise((resolve, reject) => {
      // Read and written on the event loop, like the gateway's ports: a device answers on time.
      const port = new SerialPortStream({
        binding: EventLoopBinding,
        path,
        baudRate: format.baudRate,
        dataBits: format.dataBits,
        parity: format.parity,
        stopBits: format.stopBits,
        autoOpen: false,
      });
      port.open((err) => {
        if (err) {
          reject(
            new GatepostError(
              ErrorCode.PortOpenFailed,
              `cannot open PTY ${path}: ${err.message}`,
              { path },
              { cause: err },
            ),
          );
        } else {
          resolve(new PtyDeviceLink(path, port));
        }
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.port.isOpen;
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new GatepostError(ErrorCode.PortClosed, `PTY ${this.path} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(data), (err) => {
        if (err)
          reject(new GatepostError(ErrorCode.PortClosed, `write to PTY ${this.path} failed: ${err.message}`));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    return new Promise((resolve) => {
      this.port.close(() => resolve());
    });
  }
}
