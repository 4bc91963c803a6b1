import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import { hex, type Logger } from '../../core/logger.ts';
import { ErrorRateLimit } from '../error-rate-limit.ts';
import {
  type DeviceErrorEvent,
  DeviceErrorEventSchema,
  emitChecked,
  type HealthEvent,
  HealthEventSchema,
  type ScanEvent,
  ScanEventSchema,
} from '../events.ts';
import { HEALTH_RULES, HealthCell, type HealthState } from '../health.ts';
import { PatientTimer } from '../patient-timer.ts';
import { charTimeMs } from '../serial/line-timing.ts';
import type { SerialOpener } from '../serial/link.ts';
import { type SerialCounters, SerialTransport } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import type { ScannerConfig } from './config.ts';
import { ScannerFramer, type ScannerFramerOutput } from './framer.ts';
import { scannerBadInput } from './framer-errors.ts';

// A type alias (not an interface): its keys stay literal for callers' overloads, and it still
// fits EventBus's Record<string, unknown>.
export type ScannerEvents = {
  code: ScanEvent;
  error: DeviceErrorEvent;
  health: HealthEvent;
};

export interface ScannerDriverOptions {
  config: ScannerConfig;
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
  /** Reconnect backoff; defaults to 100 ms doubling up to 1 s. */
  reconnect?: { initialMs: number; maxMs: number };
  /** Bad reads within `degradedWindowMs` that make the scanner `degraded` (default 3 in 60 s). */
  degradedAfterErrors?: number;
  degradedWindowMs?: number;
  /** Real time for wire timings and the health rule (default: wireClockFor(clock)). */
  wire?: WireClock;
}

export interface ScannerDriver {
  start(): void;
  stop(): Promise<void>;
  on<K extends keyof ScannerEvents>(event: K, listener: (payload: ScannerEvents[K]) => unknown): () => void;
  readonly health: HealthState;
  /**
   * The line's counters; `discardedFrames`, every bad frame (a babble burst counts each of its
   * frames); `suppressedErrors`, the error events the rate limit summarised instead of sending.
   */
  counters(): SerialCounters & { discardedFrames: number; suppressedErrors: number };
}

/** How long a chunk that came after a long gap waits for the bytes that may follow it. */
const SETTLE_MS = 25;

/** The QR scanner driver (datasheet section 1): serial bytes in, `code` events out. */
export function createScannerDriver(options: ScannerDriverOptions): ScannerDriver {
  return new Scanner(options);
}

class Scanner implements ScannerDriver {
  private readonly bus: EventBus<ScannerEvents>;
  private readonly transport: SerialTransport;
  private readonly framer: ScannerFramer;
  private readonly healthCell: HealthCell;
  private readonly log: Logger;
  private readonly gapTimer: PatientTimer;
  private readonly settleTimer: PatientTimer;
  private readonly charMs: number;
  /** Wire time (real ms at any clock scale): the inter-byte gap is physical. */
  private readonly wire: WireClock;
  private readonly errors: ErrorRateLimit;
  private discardedFrames = 0;
  /** A chunk that came after a long gap, waiting to see whether the gap was ours (see receive). */
  private held: { chunk: Buffer; at: number } | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: ScannerDriverOptions) {
    const { config, clock } = options;
    this.log = options.log.child({ device: 'scanner', path: config.port.path });
    this.bus = new EventBus(this.log);
    this.wire = options.wire ?? wireClockFor(clock);
    // A late gap timer waits a whole gap again (up to 3 times): a starved process must not cut codes.
    this.gapTimer = new PatientTimer(this.wire, { graceMs: config.interByteGapMs, retries: 3 });
    this.settleTimer = new PatientTimer(this.wire);
    this.errors = new ErrorRateLimit({
      wire: this.wire,
      emit: (e) => emitChecked(this.bus, 'error', DeviceErrorEventSchema, e, this.log),
    });
    this.charMs = charTimeMs(config.port);
    this.framer = new ScannerFramer({ ...config, charTimeMs: this.charMs });
    this.transport = new SerialTransport({
      settings: config.port,
      opener: options.opener,
      clock,
      log: this.log,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    });
    // Offline only when its port is gone (a scanner speaks only when it reads); bad reads degrade it.
    this.healthCell = new HealthCell({
      rule: {
        ...HEALTH_RULES.scanner,
        degradedAt: options.degradedAfterErrors ?? HEALTH_RULES.scanner.degradedAt,
        windowMs: options.degradedWindowMs ?? HEALTH_RULES.scanner.windowMs,
      },
      wire: options.wire ?? wireClockFor(clock),
      onChange: (change) =>
        emitChecked(this.bus, 'health', HealthEventSchema, { ...change, at: clock.now() }, this.log),
    });
  }

  get health(): HealthState {
    return this.healthCell.state;
  }

  on<K extends keyof ScannerEvents>(event: K, listener: (payload: ScannerEvents[K]) => unknown): () => void {
    return this.bus.on(event, listener);
  }

  counters(): SerialCounters & { discardedFrames: number; suppressedErrors: number } {
    return {
      ...this.transport.counters,
      discardedFrames: this.discardedFrames,
      suppressedErrors: this.errors.suppressed,
    };
  }

  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe = [
      this.transport.on('up', () => {
        this.framer.reset();
        this.lastAt = Number.NEGATIVE_INFINITY;
        this.healthCell.sample('good', 'port open');
      }),
      this.transport.on('down', ({ reason }) => {
        this.settleTimer.cancel();
        this.releaseHeld();
        this.handle(this.framer.idle(Number.POSITIVE_INFINITY));
        this.framer.reset();
        this.gapTimer.cancel();
        this.healthCell.lost(`port down: ${reason}`);
      }),
      // Arrival on the wire clock: the transport's `at` is the (possibly sped-up) domain clock.
      this.transport.on('data', ({ chunk }) => this.receive(chunk, this.wire.now())),
    ];
    this.transport.start();
  }

  async stop(): Promise<void> {
    this.gapTimer.cancel();
    this.settleTimer.cancel();
    this.held = undefined;
    await this.transport.stop();
    this.errors.dispose();
    this.healthCell.dispose();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /**
   * The read loop's body: nothing thrown here may escape.
   *
   * A chunk that comes after a gap longer than `interByteGapMs` inside a code is held for a
   * moment: if it was our own process that stalled, the bytes sent meanwhile arrive right
   * behind it, and they show the held chunk was on the wire earlier than it was read; if it was
   * a real pause, nothing or only a few bytes follow, and the code was cut off.
   */
  private receive(chunk: Buffer, at: number): void {
    try {
      const held = this.held;
      if (held) {
        this.held = undefined;
        this.settleTimer.cancel();
        // The held chunk's last byte was on the wire before this chunk's first byte.
        this.feed(held.chunk, Math.min(held.at, at - chunk.length * this.charMs));
      }
      const firstByteAt = at - (chunk.length - 1) * this.charMs;
      if (this.framer.busy && firstByteAt - this.lastAt > this.options.config.interByteGapMs) {
        this.held = { chunk, at };
        this.gapTimer.cancel();
        this.settleTimer.start(() => this.releaseHeld(), SETTLE_MS);
        return;
      }
      this.feed(chunk, at);
      this.armGapTimer();
    } catch (err) {
      this.transport.countError();
      this.framer.reset();
      this.log.error({ err: errorMessage(err), bytes: hex(chunk) }, 'scanner framing failed; input dropped');
    }
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    try {
      this.feed(held.chunk, held.at);
      this.armGapTimer();
    } catch (err) {
      this.framer.reset();
      this.log.error({ err: errorMessage(err) }, 'scanner framing failed');
    }
  }

  private feed(chunk: Buffer, at: number): void {
    const t = Math.max(at, this.lastAt);
    this.lastAt = t;
    this.handle(this.framer.push(chunk, t));
  }

  private armGapTimer(): void {
    this.gapTimer.cancel();
    if (!this.framer.busy) return;
    this.gapTimer.start(() => {
      try {
        this.handle(this.framer.idle(this.wire.now()));
      } catch (err) {
        this.framer.reset();
        this.log.error({ err: errorMessage(err) }, 'scanner framing failed');
      }
      if (this.framer.busy) this.armGapTimer(); // a cut code's tail or a babble: wait on
    }, this.framer.quietDeadlineMs + 1);
  }

  private handle(outputs: ScannerFramerOutput[]): void {
    const now = this.options.clock.now();
    for (const out of outputs) {
      if (out.kind === 'code') {
        this.transport.countFrame();
        emitChecked(
          this.bus,
          'code',
          ScanEventSchema,
          { code: out.text, bytes: out.bytes, at: now },
          this.log,
        );
        this.healthCell.sample('good', 'code read');
        continue;
      }
      this.transport.countDiscarded(out.bytes);
      this.transport.countError();
      this.discardedFrames += out.frames ?? 1;
      // At most 10 error events a second go out one by one; the rest are summarised.
      this.errors.report(scannerBadInput(out, now, this.log));
      // 3 bad reads within 60 s (by default) make the scanner degraded (devices/health.ts).
      this.healthCell.sample('noise', `bad read: ${out.reason}`);
    }
  }
}
