import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { Backoff } from '../../core/backoff.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import type { WireClock } from '../serial/wire-clock.ts';
import { type GrabResult, grabInputDevice } from './evdev-grab.ts';

export type EvdevSourceEvents = {
  /** The device is open; `grab` says whether it is ours alone (a FIFO is never grabbed). */
  up: { fifo: boolean; grab: GrabResult | undefined };
  /** It went away (`lost`: it had been up; otherwise an open attempt failed). */
  down: { reason: string; lost: boolean };
  data: { chunk: Buffer; at: number };
};

export interface EvdevSourceOptions {
  path: string;
  grab: boolean;
  pollMs: number;
  /** Bytes per read: whole records (a multiple of the record size). */
  readBytes: number;
  wire: WireClock;
  log: Logger;
  reconnect?: { initialMs: number; maxMs: number };
}

/** How often an open device's path is checked (a deleted FIFO, a by-id link removed by udev). */
const PATH_CHECK_MS = 1000;

/**
 * An input device (or the simulator's FIFO) read without blocking a libuv thread: the file is
 * opened O_NONBLOCK and read until EAGAIN, then again `pollMs` later (Node has no poll() on a
 * character device, and a blocking read would hold a thread of the pool until the next key).
 *
 * The device is gone when a read fails (ENODEV: unplugged), the stream ends (EOF: the FIFO's
 * writer closed) or its path no longer leads to the open file (deleted, replaced). Then it is
 * reopened with capped backoff, for ever, until `stop()`. Nothing here throws.
 */
export class EvdevSource {
  readonly events: EventBus<EvdevSourceEvents>;
  private readonly backoff: Backoff;
  private readonly buf: Buffer;
  private handle: FileHandle | undefined;
  private opened: Stats | undefined;
  private running = false;
  private timer: ReturnType<WireClock['setTimeout']> | undefined;
  private nextPathCheck = 0;
  /** Bumped on every open and close: a read loop of an older open stops. */
  private generation = 0;
  /** Why the device is not open, once reported ('' while open or never reported). */
  private lastFailure = '';

  constructor(private readonly o: EvdevSourceOptions) {
    this.events = new EventBus(o.log);
    this.backoff = new Backoff(o.reconnect ?? { initialMs: 100, maxMs: 1000 });
    this.buf = Buffer.alloc(o.readBytes);
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.o.wire.clearTimeout(this.timer);
    this.timer = undefined;
    await this.close();
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    const gen = ++this.generation;
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.o.path, constants.O_RDONLY | constants.O_NONBLOCK);
      const st = await handle.stat();
      if (!st.isFIFO() && !st.isCharacterDevice())
        throw new GatepostError(
          ErrorCode.PortOpenFailed,
          'not an input device (neither a character device nor a FIFO)',
        );
      // A FIFO with no writer reads as EOF at once: nothing is there yet.
      const first = await readSome(handle, this.buf);
      if (first === 0) throw new GatepostError(ErrorCode.PortOpenFailed, 'no writer on the FIFO');
      if (!this.running || gen !== this.generation) {
        await handle.close().catch(() => undefined);
        return;
      }
      const grab = st.isFIFO() || !this.o.grab ? undefined : await grabInputDevice(handle.fd);
      if (!this.running || gen !== this.generation) {
        await handle.close().catch(() => undefined);
        return;
      }
      this.handle = handle;
      this.opened = st;
      this.lastFailure = '';
      this.backoff.reset();
      this.nextPathCheck = this.o.wire.now() + PATH_CHECK_MS;
      this.events.emit('up', { fifo: st.isFIFO(), grab });
      if (first > 0)
        this.events.emit('data', { chunk: Buffer.from(this.buf.subarray(0, first)), at: this.o.wire.now() });
      this.schedule(gen, 0);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      const reason = describe(err);
      // One report per outage: the first failed open (or the loss that began it).
      if (this.lastFailure === '') {
        this.lastFailure = reason;
        this.o.log.warn({ path: this.o.path, reason }, 'input device cannot be opened; retrying');
        this.events.emit('down', { reason, lost: false });
      }
      this.retry();
    }
  }

  private schedule(gen: number, ms: number): void {
    this.timer = this.o.wire.setTimeout(() => {
      this.timer = undefined;
      void this.readLoop(gen);
    }, ms);
  }

  /** Reads until EAGAIN (at most 64 reads at a time), then waits `pollMs`. */
  private async readLoop(gen: number): Promise<void> {
    const handle = this.handle;
    if (!handle || gen !== this.generation) return;
    try {
      for (let i = 0; i < 64; i++) {
        const n = await readSome(handle, this.buf);
        if (gen !== this.generation) return;
        if (n === 0) return this.lose(gen, 'end of stream: the writer closed');
        if (n < 0) break;
        this.events.emit('data', { chunk: Buffer.from(this.buf.subarray(0, n)), at: this.o.wire.now() });
      }
      if (this.o.wire.now() >= this.nextPathCheck) {
        this.nextPathCheck = this.o.wire.now() + PATH_CHECK_MS;
        const gone = await this.pathGone();
        if (gen !== this.generation) return;
        if (gone) return this.lose(gen, gone);
      }
      this.schedule(gen, this.o.pollMs);
    } catch (err) {
      if (gen === this.generation) await this.lose(gen, describe(err));
    }
  }

  private async pathGone(): Promise<string | undefined> {
    try {
      const now = await stat(this.o.path);
      const was = this.opened;
      if (was && (now.ino !== was.ino || now.dev !== was.dev))
        return 'the device path now leads to another file';
      return undefined;
    } catch (err) {
      return `the device path is gone (${describe(err)})`;
    }
  }

  private async lose(gen: number, reason: string): Promise<void> {
    if (gen !== this.generation) return;
    await this.close();
    this.o.log.warn({ path: this.o.path, reason }, 'input device lost; reopening');
    this.lastFailure = reason;
    this.events.emit('down', { reason, lost: true });
    this.retry();
  }

  private retry(): void {
    if (!this.running) return;
    this.timer = this.o.wire.setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.backoff.next());
  }

  private async close(): Promise<void> {
    this.generation++;
    const handle = this.handle;
    this.handle = undefined;
    this.opened = undefined;
    // Closing the file ends the grab too.
    await handle?.close().catch(() => undefined);
  }
}

/** Bytes read, 0 at EOF, -1 when nothing is there now (EAGAIN). */
async function readSome(handle: FileHandle, buf: Buffer): Promise<number> {
  try {
    const { bytesRead } = await handle.read(buf, 0, buf.length, null);
    return bytesRead;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return -1;
    throw err;
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such device (ENOENT): unplugged, or the path is wrong';
  if (code === 'EACCES') return 'permission denied (EACCES): the gateway user is not in the input group';
  if (code === 'ENODEV') return 'the device is gone (ENODEV): unplugged';
  return errorMessage(err);
}
