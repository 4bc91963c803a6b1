import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import { ErrorRateLimit } from '../error-rate-limit.ts';
import { DeviceErrorEventSchema, emitChecked, HealthEventSchema, ScanEventSchema } from '../events.ts';
import { HEALTH_RULES, HealthCell, type HealthState } from '../health.ts';
import { PatientTimer } from '../patient-timer.ts';
import type { SerialCounters } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import type { ScannerDriver, ScannerEvents } from './driver.ts';
import type { EvdevScannerConfig } from './evdev-config.ts';
import { EvdevSource } from './evdev-source.ts';
import { EventTimeline } from './event-timeline.ts';
import { ScannerFramer, type ScannerFramerOutput } from './framer.ts';
import { scannerBadInput } from './framer-errors.ts';
import { InputEventStream, resolveInputEventSize } from './input-event.ts';
import { KeystrokeDecoder, type TypedByte } from './keystroke-decoder.ts';

export interface EvdevScannerDriverOptions {
  config: EvdevScannerConfig;
  clock: Clock;
  log: Logger;
  /** Reopen backoff; defaults to 100 ms doubling up to 1 s. */
  reconnect?: { initialMs: number; maxMs: number };
  /** Real time for the key gaps and the health rule (default: wireClockFor(clock)). */
  wire?: WireClock;
  /** The process architecture `eventSize: auto` follows (default process.arch). */
  arch?: string;
}

/** Records read at a time: a scanner types about one key event per millisecond at most. */
const READ_RECORDS = 256;

/**
 * A keyboard-wedge scanner (USB HID keyboard mode) on its Linux input device: key events in,
 * `code` events out, with the serial scanner's checks. The keys become bytes (US layout, Shift;
 * keystroke-decoder.ts), Enter ends a code, and the bytes go through the serial scanner's
 * framer as a scanner set to CR would send them: the same length cap, cut-off rule (measured
 * on the kernel's key times, so a stalled gateway does not cut a code), resync, plausibility
 * and babble rules, error codes and health rule. A device that goes away gives an error and
 * `offline` at once, and is reopened with backoff.
 */
export function createEvdevScannerDriver(options: EvdevScannerDriverOptions): ScannerDriver {
  return new EvdevScanner(options);
}

class EvdevScanner implements ScannerDriver {
  private readonly bus: EventBus<ScannerEvents>;
  private readonly source: EvdevSource;
  private readonly records: InputEventStream;
  private readonly keys = new KeystrokeDecoder();
  private readonly timeline = new EventTimeline();
  private readonly framer: ScannerFramer;
  private readonly healthCell: HealthCell;
  private readonly log: Logger;
  private readonly gapTimer: PatientTimer;
  private readonly wire: WireClock;
  private readonly errors: ErrorRateLimit;
  private readonly typed: TypedByte[] = [];
  private readonly one = Buffer.alloc(1);
  private readonly count = { bytesIn: 0, frames: 0, discardedBytes: 0, errors: 0, opens: 0, losses: 0 };
  private discardedFrames = 0;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: EvdevScannerDriverOptions) {
    const { config, clock } = options;
    this.log = options.log.child({ device: 'scanner', path: config.path });
    this.bus = new EventBus(this.log);
    this.wire = options.wire ?? wireClockFor(clock);
    this.gapTimer = new PatientTimer(this.wire, { graceMs: config.interByteGapMs, retries: 3 });
    this.errors = new ErrorRateLimit({
      wire: this.wire,
      emit: (e) => emitChecked(this.bus, 'error', DeviceErrorEventSchema, e, this.log),
    });
    const size = resolveInputEventSize(config.eventSize, options.arch ?? process.arch);
    this.records = new InputEventStream(size);
    this.framer = new ScannerFramer({
      terminator: 'CR',
      stxEtx: false,
      maxCodeBytes: config.maxCodeBytes,
      interByteGapMs: config.interByteGapMs,
      resyncSilenceMs: config.resyncSilenceMs,
    });
    this.source = new EvdevSource({
      path: config.path,
      grab: config.grab,
      pollMs: config.pollMs,
      readBytes: size * READ_RECORDS,
      wire: this.wire,
      log: this.log,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    });
    this.healthCell = new HealthCell({
      rule: HEALTH_RULES.scanner,
      wire: this.wire,
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
      ...this.count,
      bytesOut: 0,
      discardedFrames: this.discardedFrames,
      suppressedErrors: this.errors.suppressed,
    };
  }

  start(): void {
    if (this.unsubscribe.length > 0) return;
    const ev = this.source.events;
    this.unsubscribe = [
      ev.on('up', ({ fifo, grab }) => {
        this.count.opens++;
        this.resetInput();
        this.healthCell.sample('good', 'device open');
        if (fifo) this.log.info('input is a FIFO (a simulated scanner): not grabbed');
        else if (grab && !grab.grabbed) this.notGrabbed(grab.why);
        else if (grab) this.healthCell.fault(undefined);
      }),
      ev.on('down', ({ reason, lost }) => this.down(reason, lost)),
      ev.on('data', ({ chunk, at }) => this.receive(chunk, at)),
    ];
    this.source.start();
  }

  async stop(): Promise<void> {
    this.gapTimer.cancel();
    await this.source.stop();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.errors.dispose();
    this.healthCell.dispose();
  }

  private notGrabbed(why: string): void {
    const message = `not grabbed exclusively, its keys also reach the console: ${why}`;
    this.log.warn({ why }, 'scanner input device not grabbed');
    this.errors.report({
      errorCode: ErrorCode.InputNotGrabbed,
      kind: 'not-grabbed',
      message,
      at: this.options.clock.now(),
    });
    this.healthCell.fault(message);
  }

  private down(reason: string, lost: boolean): void {
    this.gapTimer.cancel();
    // What was typed before the device went is reported (a cut code), then forgotten.
    this.handle(this.framer.idle(Number.POSITIVE_INFINITY));
    this.resetInput();
    if (lost) this.count.losses++;
    this.count.errors++;
    this.errors.report({
      errorCode: lost ? ErrorCode.PortClosed : ErrorCode.PortOpenFailed,
      kind: lost ? 'device-lost' : 'open-failed',
      message: lost
        ? `scanner input device lost: ${reason}; reopening`
        : `scanner input device cannot be opened: ${reason}; retrying`,
      at: this.options.clock.now(),
    });
    this.healthCell.lost(lost ? `device lost: ${reason}` : `cannot open: ${reason}`);
  }

  private resetInput(): void {
    this.records.reset();
    this.keys.reset();
    this.framer.reset();
    this.timeline.reset();
  }

  /** The read loop's body: nothing thrown here may escape. */
  private receive(chunk: Buffer, arrivedAt: number): void {
    try {
      this.count.bytesIn += chunk.length;
      this.typed.length = 0;
      for (const event of this.records.push(chunk)) this.keys.decode(event, this.typed);
      if (this.keys.notEvents > 0) this.notEvents();
      if (this.typed.length === 0) return;
      // The kernel's key times, placed on the wire clock (event-timeline.ts).
      this.timeline.anchor(this.typed[0]?.timeMs ?? 0, arrivedAt, !this.framer.busy);
      for (const t of this.typed) {
        this.one[0] = t.byte;
        this.handle(this.framer.push(this.one, this.timeline.place(t.timeMs, arrivedAt)));
      }
      this.armGapTimer();
    } catch (err) {
      this.count.errors++;
      this.resetInput();
      this.log.error({ err: errorMessage(err) }, 'scanner key decoding failed; input dropped');
    }
  }

  /** Records that are no input events: the device is not a keyboard, or eventSize is wrong. */
  private notEvents(): void {
    const n = this.keys.notEvents;
    this.keys.notEvents = 0;
    this.count.errors++;
    this.errors.report({
      errorCode: ErrorCode.FrameDiscarded,
      kind: 'not-input-events',
      message: `${n} records read are not input events (type past EV_MAX): is eventSize (${this.records.size} bytes) right for this gateway?`,
      bytes: n * this.records.size,
      at: this.options.clock.now(),
    });
    this.healthCell.sample('noise', 'records that are not input events');
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
      if (this.framer.busy) this.armGapTimer();
    }, this.framer.quietDeadlineMs + 1);
  }

  private handle(outputs: ScannerFramerOutput[]): void {
    const now = this.options.clock.now();
    for (const out of outputs) {
      if (out.kind === 'code') {
        this.count.frames++;
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
      this.count.discardedBytes += out.bytes;
      this.count.errors++;
      this.discardedFrames += out.frames ?? 1;
      this.errors.report(scannerBadInput(out, now, this.log));
      this.healthCell.sample('noise', `bad read: ${out.reason}`);
    }
  }
}
