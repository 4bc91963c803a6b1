import { readSync, writeSync } from 'node:fs';
import {
  type BindingInterface,
  type BindingPortInterface,
  BindingsError,
  LinuxBinding,
  type LinuxOpenOptions,
  type LinuxPortBinding,
  type PortInfo,
  type SetOptions,
  type UpdateOptions,
} from '@serialport/bindings-cpp';
import { ErrorCode, GatepostError } from '../../core/errors.ts';

/**
 * A serialport binding that reads and writes its port on the event loop. serialport's own Linux
 * binding waits on the port with a poll handle (on the loop), then reads or writes it with
 * `fs.read`/`fs.write`, which run on libuv's thread pool: four threads that every port, file and
 * DNS lookup of the process share. A scan's last bytes and a barrier's OPEN thus waited for a
 * pool thread to wake up and then for the loop to hear back, a few milliseconds when the box is
 * busy. The port is opened non-blocking (O_NONBLOCK), so here the same system calls are made
 * directly when the poll handle says the port is ready: a read or write that cannot proceed at
 * once returns EAGAIN instead of blocking, and the binding waits for the poll handle again, as
 * libuv does for sockets and pipes. Opening, closing, settings and the modem lines are the Linux
 * binding's own.
 *
 * Errors follow the Linux binding: a port closed under a pending read or write fails it with
 * `canceled`; EBADF, ENXIO and unknown errors are marked `disconnect` (a lost device).
 */
export const EventLoopBinding: BindingInterface<EventLoopPort, LinuxOpenOptions, PortInfo> = {
  list: () => LinuxBinding.list(),
  open: async (options) => new EventLoopPort(await LinuxBinding.open(options)),
};

const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
const LOST = new Set(['EBADF', 'ENXIO', 'UNKNOWN']);

export class EventLoopPort implements BindingPortInterface {
  /**
   * The last read left the kernel's buffer empty (it returned less than asked for): the next
   * read waits for the poll handle first instead of trying at once. A read that finds nothing
   * fails with EAGAIN, and Node turns that into an Error with a stack trace: at ~1,500 chunks a
   * second over 17 ports that cost the loop a few per cent of its time for nothing.
   */
  private drained = false;

  constructor(private readonly port: LinuxPortBinding) {}

  get openOptions() {
    return this.port.openOptions;
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (buffer.length < offset + length) throw new GatepostError(ErrorCode.Internal, 'buffer is too small');
    for (;;) {
      if (this.drained) await this.ready('readable');
      const fd = this.openFd();
      try {
        const bytesRead = readSync(fd, buffer, offset, length, null);
        this.drained = bytesRead < length;
        if (bytesRead > 0) return { buffer, bytesRead };
      } catch (err) {
        if (!RETRY.has(code(err))) throw classified(err);
        this.drained = true;
      }
    }
  }

  async write(buffer: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buffer.length) {
      const fd = this.openFd();
      try {
        const written = writeSync(fd, buffer, offset, buffer.length - offset);
        offset += written;
        // Nothing taken without an error: wait for room rather than spin.
        if (written > 0) continue;
      } catch (err) {
        if (!RETRY.has(code(err))) throw classified(err);
      }
      await this.ready('writable');
    }
  }

  close(): Promise<void> {
    return this.port.close();
  }
  update(options: UpdateOptions): Promise<void> {
    return this.port.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.port.set(options);
  }
  get() {
    return this.port.get();
  }
  getBaudRate() {
    return this.port.getBaudRate();
  }
  flush(): Promise<void> {
    return this.port.flush();
  }
  drain(): Promise<void> {
    return this.port.drain();
  }

  private openFd(): number {
    const fd = this.port.fd;
    if (!this.port.isOpen || fd === null) throw new BindingsError('Port is not open', { canceled: true });
    return fd;
  }

  /**
   * Waits for the poll handle; a port closed meanwhile fails with `canceled`. A closed port's
   * poll handle is destroyed and must not be touched again (it is native memory): checked first.
   */
  private ready(event: 'readable' | 'writable'): Promise<void> {
    this.openFd();
    return new Promise((resolve, reject) => {
      this.port.poller.once(event, (err) => (err ? reject(err) : resolve()));
    });
  }
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? '';
}

function classified(err: unknown): Error {
  const e = err as NodeJS.ErrnoException & { disconnect?: boolean };
  if (LOST.has(code(e)) || e.errno === -1) e.disconnect = true;
  return e;
}
