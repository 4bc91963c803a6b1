import { EventEmitter } from 'node:events';
import { closeSync, constants, open, readSync, writeSync } from 'node:fs';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import type { SerialLink, SerialOpener } from '../serial/link.ts';
import type { SerialPortSettings } from '../serial/port-settings.ts';

/**
 * A USB printer through the Linux usblp driver (/dev/usb/lp0), as a SerialLink so the printer
 * driver keeps one transport (reconnect with backoff, counters) for both connections. The
 * character device is opened for reading and writing, non-blocking: a printer that speaks back
 * (every ESC/POS printer answers DLE EOT) has its replies read from the same device. A character
 * device has no poll handle in Node, so the link reads it every `readEveryMs` (a read that
 * finds nothing returns EAGAIN at once), and a write the driver cannot take yet (EAGAIN while the
 * previous transfer is under way) is tried again shortly. EIO, ENODEV, ENXIO or EBADF: the
 * printer is gone (unplugged, switched off), the link closes with the error.
 */
export interface UsblpOpenerOptions {
  /** How often to read the device for replies (default 20 ms). */
  readEveryMs?: number;
}

const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
const READ_CHUNK = 64;

export class UsblpOpener implements SerialOpener {
  constructor(private readonly options: UsblpOpenerOptions = {}) {}

  open(settings: SerialPortSettings): Promise<SerialLink> {
    const flags = constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY;
    return new Promise((resolve, reject) => {
      open(settings.path, flags, (err, fd) => {
        if (err) {
          reject(
            new GatepostError(
              ErrorCode.PortOpenFailed,
              `cannot open printer ${settings.path}: ${err.message}`,
              {
                path: settings.path,
              },
            ),
          );
          return;
        }
        resolve(new UsblpLink(settings.path, fd, this.options.readEveryMs ?? 20));
      });
    });
  }
}

class UsblpLink extends EventEmitter implements SerialLink {
  private fd: number | undefined;
  private readonly reader: NodeJS.Timeout;
  private writes: Promise<void> = Promise.resolve();
  private readonly buffer = Buffer.alloc(READ_CHUNK);

  constructor(
    readonly path: string,
    fd: number,
    readEveryMs: number,
  ) {
    super();
    this.fd = fd;
    this.reader = setInterval(() => this.readAvailable(), readEveryMs);
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  write(data: Uint8Array): Promise<void> {
    const bytes = Buffer.from(data);
    const next = this.writes.then(() => this.writeAll(bytes));
    this.writes = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.finish(undefined);
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const fd = this.fd;
      if (fd === undefined) {
        throw new GatepostError(ErrorCode.PortClosed, `printer ${this.path} is closed`);
      }
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
        continue;
      } catch (err) {
        if (!RETRY.has(code(err))) {
          const lost = this.lost(err);
          throw lost;
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private readAvailable(): void {
    for (;;) {
      const fd = this.fd;
      if (fd === undefined) return;
      let n: number;
      try {
        n = readSync(fd, this.buffer, 0, READ_CHUNK, null);
      } catch (err) {
        if (!RETRY.has(code(err))) this.lost(err);
        return;
      }
      if (n <= 0) return;
      this.emit('data', Buffer.from(this.buffer.subarray(0, n)));
      if (n < READ_CHUNK) return;
    }
  }

  private lost(err: unknown): GatepostError {
    const lost = new GatepostError(
      ErrorCode.PortClosed,
      `printer ${this.path} was lost: ${errorMessage(err)}`,
      {
        path: this.path,
      },
    );
    this.finish(lost);
    return lost;
  }

  private finish(err: GatepostError | undefined): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    clearInterval(this.reader);
    try {
      closeSync(fd);
    } catch {
      // already gone with the device
    }
    this.emit('close', err);
  }
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? '';
}
