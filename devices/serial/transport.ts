import { Backoff } from '../../core/backoff.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import type { SerialLink, SerialOpener } from './link.ts';
import type { SerialPortSettings } from './port-settings.ts';
import { type WireClock, wireClockFor } from './wire-clock.ts';

/** What a device's serial line has seen since the driver started. */
export interface SerialCounters {
  bytesIn: number;
  bytesOut: number;
  /** Good frames (codes, Modbus responses, barrier lines) decoded by the driver. */
  frames: number;
  /** Bytes thrown away: noise, bad frames, overlong codes. */
  discardedBytes: number;
  /** Bad frames, timeouts, exceptions, write failures. */
  errors: number;
  /** Successful opens of the port (1 + the number of reconnects). */
  opens: number;
  /** Times the open port was lost (unplugged, closed under us). */
  losses: number;
}

// A type alias (not an interface): its keys stay literal for callers' overloads, and it still
// fits EventBus's Record<string, unknown>.
export type SerialTransportEvents = {
  /** A chunk of received bytes, with the clock time it arrived. */
  data: { chunk: Buffer; at: number };
  up: { at: number };
  down: { at: number; reason: string };
};

export interface SerialTransportOptions {
  settings: SerialPortSettings;
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
  /** Capped exponential backoff with jitter between open attempts (wire time: real ms at any clock scale). */
  reconnect?: { initialMs: number; maxMs: number };
  /** The wire clock for the retry timer (default: wireClockFor(clock)). */
  wire?: WireClock;
  random?: () => number;
}

export const DEFAULT_RECONNECT = { initialMs: 100, maxMs: 1000 } as const;

/**
 * A serial line that stays open: it opens the port through any SerialOpener, and when the port
 * is lost (unplugged) or cannot be opened it retries with capped exponential backoff and
 * jitter, for ever, until `stop()`. Drivers subscribe to `data`, `up` and `down` and write
 * through it; a write while the line is down rejects with PortClosed. Nothing it does throws
 * into its caller's event handlers.
 */
export class SerialTransport {
  readonly counters: SerialCounters = {
    bytesIn: 0,
    bytesOut: 0,
    frames: 0,
    discardedBytes: 0,
    errors: 0,
    opens: 0,
    losses: 0,
  };
  private readonly bus: EventBus<SerialTransportEvents>;
  private readonly backoff: Backoff;
  private link: SerialLink | undefined;
  private running = false;
  private opening = false;
  private retryTimer: TimerHandle | undefined;
  private failuresLogged = 0;
  private readonly wire: WireClock;

  constructor(private readonly options: SerialTransportOptions) {
    this.bus = new EventBus(options.log);
    this.wire = options.wire ?? wireClockFor(options.clock);
    const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    this.backoff = new Backoff({ ...reconnect, ...(options.random ? { random: options.random } : {}) });
  }

  get path(): string {
    return this.options.settings.path;
  }

  get settings(): SerialPortSettings {
    return this.options.settings;
  }

  get isUp(): boolean {
    return this.link?.isOpen === true;
  }

  on<K extends keyof SerialTransportEvents>(
    event: K,
    listener: (payload: SerialTransportEvents[K]) => unknown,
  ): () => void {
    return this.bus.on(event, listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wire.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const link = this.link;
    this.link = undefined;
    if (link) {
      link.removeAllListeners('data');
      link.removeAllListeners('close');
      await link.close().catch(() => undefined);
      this.bus.emit('down', { at: this.options.clock.now(), reason: 'stopped' });
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const link = this.link;
    if (!link?.isOpen) {
      throw new GatepostError(ErrorCode.PortClosed, `serial port ${this.path} is not open`, {
        path: this.path,
      });
    }
    try {
      await link.write(bytes);
      this.counters.bytesOut += bytes.length;
    } catch (err) {
      this.counters.errors++;
      throw err instanceof GatepostError
        ? err
        : new GatepostError(
            ErrorCode.PortClosed,
            `write to ${this.path} failed: ${errorMessage(err)}`,
            undefined,
            {
              cause: err,
            },
          );
    }
  }

  /** Drivers count what they decode here, so one set of counters describes the device. */
  countFrame(): void {
    this.counters.frames++;
  }

  countDiscarded(bytes: number): void {
    this.counters.discardedBytes += bytes;
  }

  countError(): void {
    this.counters.errors++;
  }

  private async connect(): Promise<void> {
    if (!this.running || this.opening || this.link) return;
    this.opening = true;
    let link: SerialLink;
    try {
      link = await this.options.opener.open(this.options.settings);
    } catch (err) {
      this.opening = false;
      this.scheduleRetry(err);
      return;
    }
    this.opening = false;
    if (!this.running) {
      await link.close().catch(() => undefined);
      return;
    }
    this.link = link;
    this.counters.opens++;
    this.backoff.reset();
    if (this.failuresLogged > 0) this.options.log.info({ path: this.path }, 'serial port back');
    this.failuresLogged = 0;
    link.on('data', (chunk: Buffer) => {
      this.counters.bytesIn += chunk.length;
      this.bus.emit('data', { chunk, at: this.options.clock.now() });
    });
    link.once('close', (err: Error | undefined) => this.lost(link, err));
    this.options.log.debug({ path: this.path }, 'serial port open');
    this.bus.emit('up', { at: this.options.clock.now() });
  }

  private lost(link: SerialLink, err: Error | undefined): void {
    if (this.link !== link) return;
    this.link = undefined;
    link.removeAllListeners('data');
    this.counters.losses++;
    const reason = err ? errorMessage(err) : 'closed';
    this.options.log.warn({ path: this.path, reason }, 'serial port lost');
    this.bus.emit('down', { at: this.options.clock.now(), reason });
    this.scheduleRetry(undefined);
  }

  private scheduleRetry(err: unknown): void {
    if (!this.running) return;
    const delay = this.backoff.next();
    if (err !== undefined) {
      // One warning per outage, then quiet retries: a port missing for a week must not fill the disk.
      if (this.failuresLogged++ === 0) {
        this.options.log.warn(
          { path: this.path, err: errorMessage(err) },
          'serial port cannot be opened; retrying',
        );
      } else {
        this.options.log.debug(
          { path: this.path, err: errorMessage(err), delay },
          'serial port still absent',
        );
      }
    }
    this.wire.clearTimeout(this.retryTimer);
    this.retryTimer = this.wire.setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }
}
