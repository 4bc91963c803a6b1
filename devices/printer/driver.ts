import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import { ErrorRateLimit } from '../error-rate-limit.ts';
import {
  type DeviceErrorEvent,
  DeviceErrorEventSchema,
  emitChecked,
  type HealthEvent,
  HealthEventSchema,
} from '../events.ts';
import { HealthCell, type HealthState } from '../health.ts';
import type { SerialOpener } from '../serial/link.ts';
import { SerialPortOpener } from '../serial/serialport-opener.ts';
import { type SerialCounters, SerialTransport } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import type { PrinterDeviceConfig } from './config.ts';
import { encodeReceipt } from './escpos-encoder.ts';
import { faultOf, PRINTER_HEALTH_RULE, RECOVERY_POLL_MS, sameStatus } from './printer-health.ts';
import {
  blockingFault,
  parseStatusReply,
  STATUS_REQUESTS,
  type StatusRequest,
  type StatusRound,
  toPrinterStatus,
} from './printer-status.ts';
import {
  type PrinterStatus,
  PrinterStatusSchema,
  type PrintOutcome,
  type Receipt,
  type ReceiptPrinterPort,
} from './receipt.ts';
import { StatusRequester } from './status-requester.ts';
import { UsblpOpener } from './usblp-link.ts';

// A type alias (not an interface): its keys stay literal, and it fits EventBus's Record.
export type ReceiptPrinterEvents = {
  /** The printer's status changed (or was read for the first time). */
  status: PrinterStatus;
  health: HealthEvent;
  'device-error': DeviceErrorEvent;
};

export interface ReceiptPrinterOptions {
  config: PrinterDeviceConfig;
  clock: Clock;
  log: Logger;
  /** The line to the printer (default: serialport for `serial`, the usblp character device for `usblp`). */
  opener?: SerialOpener;
  reconnect?: { initialMs: number; maxMs: number };
  /** Real time for wire timings and the health rule (default: wireClockFor(clock)). */
  wire?: WireClock;
}

type Round = { ok: true; status: PrinterStatus; printerOffline: boolean } | { ok: false; message: string };

/**
 * An ESC/POS receipt printer (docs/devices.md, receipt printer) over a serial line or the Linux
 * usblp device: it encodes receipts (escpos-encoder.ts), reads the printer's real-time status
 * (DLE EOT 1, 2, 4) on a poll and around every print, and reports health, status and errors.
 * One print at a time; up to `maxQueued` more wait their turn, the next is refused as busy.
 */
export class ReceiptPrinter implements ReceiptPrinterPort {
  private readonly bus: EventBus<ReceiptPrinterEvents>;
  private readonly transport: SerialTransport;
  private readonly requester: StatusRequester;
  private readonly healthCell: HealthCell;
  private readonly errors: ErrorRateLimit;
  private readonly wire: WireClock;
  private readonly log: Logger;
  private readonly config: PrinterDeviceConfig;
  private running = false;
  private timer: TimerHandle | undefined;
  private polling: Promise<void> | undefined;
  private lastStatus: PrinterStatus | undefined;
  private lastRoundFailed = false;
  private failedRounds = 0;
  private faultReason: string | undefined;
  private printsWaiting = 0;
  private printing: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: ReceiptPrinterOptions) {
    const { config, clock } = options;
    this.config = config;
    this.log = options.log.child({ device: 'printer', path: config.path });
    this.bus = new EventBus(this.log);
    this.wire = options.wire ?? wireClockFor(clock);
    this.transport = new SerialTransport({
      settings: {
        path: config.path,
        baudRate: config.transport === 'serial' ? config.baudRate : 9600,
        dataBits: 8,
        parity: 'none',
        stopBits: 1,
      },
      opener: options.opener ?? (config.transport === 'serial' ? new SerialPortOpener() : new UsblpOpener()),
      clock,
      log: this.log,
      wire: this.wire,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    });
    this.errors = new ErrorRateLimit({
      wire: this.wire,
      emit: (e) => emitChecked(this.bus, 'device-error', DeviceErrorEventSchema, e, this.log),
    });
    this.requester = new StatusRequester({
      wire: this.wire,
      write: (bytes) => this.transport.write(bytes),
      lateWindowMs: 4 * config.replyTimeoutMs,
      onReply: (n, byte, late) => this.replied(n, byte, late),
      onSilent: (n) => this.healthCell.sample('silent', `no reply to DLE EOT ${n}`),
      onDiscard: (kind, bytes) => this.discarded(kind, bytes),
    });
    this.healthCell = new HealthCell({
      rule: PRINTER_HEALTH_RULE,
      wire: this.wire,
      onChange: (change) =>
        emitChecked(this.bus, 'health', HealthEventSchema, { ...change, at: clock.now() }, this.log),
    });
  }

  get health(): HealthState {
    return this.healthCell.state;
  }

  /** The printer's last reported status; undefined until it first answered. */
  status(): PrinterStatus | undefined {
    return this.lastStatus;
  }

  counters(): SerialCounters {
    return { ...this.transport.counters };
  }

  on<K extends keyof ReceiptPrinterEvents>(
    event: K,
    listener: (payload: ReceiptPrinterEvents[K]) => unknown,
  ): () => void {
    return this.bus.on(event, listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = [
      this.transport.on('data', ({ chunk }) => this.requester.feed(chunk)),
      this.transport.on('down', ({ reason }) => {
        this.requester.reset();
        this.healthCell.lost(`port down: ${reason}`);
        if (this.lastStatus?.online) {
          this.applyStatus({ ...this.lastStatus, online: false, at: this.options.clock.now() });
        }
      }),
      this.transport.on('up', () => this.pollSoon()),
    ];
    this.transport.start();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wire.clearTimeout(this.timer);
    this.timer = undefined;
    await this.transport.stop();
    this.requester.reset();
    await this.polling;
    this.healthCell.dispose();
    this.errors.dispose();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** Prints one receipt: refused before sending if the printer is not ready; see PrintOutcome. */
  async print(receipt: Receipt): Promise<PrintOutcome> {
    const encoded = encodeReceipt(receipt);
    if (!encoded.ok) {
      this.log.warn({ errorCode: encoded.errorCode }, encoded.message);
      return { ok: false, reason: 'invalid', message: encoded.message };
    }
    if (!this.running) return { ok: false, reason: 'offline', message: 'the printer driver is not running' };
    if (this.printsWaiting > this.config.maxQueued) {
      this.log.warn({ errorCode: ErrorCode.PrinterBusy, waiting: this.printsWaiting }, 'print refused: busy');
      return {
        ok: false,
        reason: 'busy',
        message: `the printer is busy: ${this.printsWaiting} receipts ahead (at most ${this.config.maxQueued} wait)`,
      };
    }
    this.printsWaiting++;
    const turn = this.printing.then(() => this.printNow(encoded.bytes));
    this.printing = turn.catch(() => undefined);
    try {
      return await turn;
    } catch (err) {
      return { ok: false, reason: 'error', message: `print failed: ${errorMessage(err)}` };
    } finally {
      this.printsWaiting--;
    }
  }

  private async printNow(bytes: Buffer): Promise<PrintOutcome> {
    if (!this.running || !this.transport.isUp) {
      return { ok: false, reason: 'offline', message: `the printer's port ${this.config.path} is not open` };
    }
    const before = await this.round(this.config.replyTimeoutMs);
    if (!before.ok) return { ok: false, reason: 'offline', message: before.message };
    const refuse = blockingFault(before.status, before.printerOffline);
    if (refuse) return { ok: false, ...refuse };
    try {
      await this.transport.write(bytes);
    } catch (err) {
      return { ok: false, reason: 'offline', message: `sending the receipt failed: ${errorMessage(err)}` };
    }
    // The bytes go out at the line speed (10 bits a byte) before the printer hears the request.
    const wireMs =
      this.config.transport === 'serial' ? Math.ceil((bytes.length * 10_000) / this.config.baudRate) : 0;
    const after = await this.round(this.config.printTimeoutMs + wireMs);
    if (!after.ok) {
      return { ok: false, reason: 'timeout', message: `sent, but no status after: ${after.message}` };
    }
    const fault = blockingFault(after.status, after.printerOffline);
    if (fault) return { ok: false, reason: fault.reason, message: `after printing: ${fault.message}` };
    this.log.info({ bytes: bytes.length }, 'receipt printed');
    return { ok: true, at: this.options.clock.now() };
  }

  /** DLE EOT 1, 2 and 4 in turn; the first one gets `firstTimeoutMs`. */
  private async round(firstTimeoutMs: number): Promise<Round> {
    const round: StatusRound = {};
    let timeout = firstTimeoutMs;
    for (const n of STATUS_REQUESTS) {
      const answer = await this.requester.ask(n, timeout);
      const waited = timeout;
      timeout = this.config.replyTimeoutMs;
      if (!answer.ok) {
        const message =
          answer.reason === 'port' ? 'the port went down' : `no reply to DLE EOT ${n} within ${waited} ms`;
        this.roundFailed(message);
        return { ok: false, message };
      }
      const reply = parseStatusReply(n, answer.byte);
      if (reply.ok && reply.n === 1) round.printer = reply.bits;
      if (reply.ok && reply.n === 2) round.offlineCause = reply.bits;
      if (reply.ok && reply.n === 4) round.paper = reply.bits;
    }
    this.lastRoundFailed = false;
    this.failedRounds = 0;
    const status = this.applyStatus(toPrinterStatus(round, this.options.clock.now(), this.lastStatus));
    return { ok: true, status, printerOffline: round.printer?.offline ?? false };
  }

  private roundFailed(message: string): void {
    this.lastRoundFailed = true;
    this.failedRounds++;
    // Reported up to the round that can make it offline; after that only counted, so a printer
    // switched off for the weekend does not flood the log.
    if (this.failedRounds <= PRINTER_HEALTH_RULE.offlineAfterFailures && this.running) {
      this.error(ErrorCode.PrinterNoReply, 'no-reply', message);
    }
    if (this.lastStatus?.online) {
      this.applyStatus({ ...this.lastStatus, online: false, at: this.options.clock.now() });
    }
  }

  /** A reply matched to its request: its health sample; a late one still says how the printer is. */
  private replied(n: StatusRequest, byte: number, late: boolean): void {
    this.transport.countFrame();
    this.healthCell.sample(late ? 'poor' : 'good', late ? `late reply to DLE EOT ${n}` : 'answering');
    if (!late) return;
    const reply = parseStatusReply(n, byte);
    if (!reply.ok) return;
    const round: StatusRound =
      reply.n === 1
        ? { printer: reply.bits }
        : reply.n === 2
          ? { offlineCause: reply.bits }
          : { paper: reply.bits };
    this.applyStatus(toPrinterStatus(round, this.options.clock.now(), this.lastStatus));
  }

  private discarded(kind: 'garbage' | 'unsolicited', bytes: number[]): void {
    this.transport.countDiscarded(bytes.length);
    this.transport.countError();
    if (kind === 'garbage') this.healthCell.sample('noise', 'garbage where a status reply was due');
    const shown = bytes
      .slice(0, 8)
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ');
    this.error(
      ErrorCode.PrinterGarbage,
      kind,
      `${bytes.length} bytes ${kind === 'garbage' ? 'that are no DLE EOT reply' : 'nobody asked for'} (${shown}${bytes.length > 8 ? ' ...' : ''}) thrown away`,
      bytes.length,
    );
  }

  /** Keeps a new status, emits it if it changed, and follows its faults into health. */
  private applyStatus(status: PrinterStatus): PrinterStatus {
    const previous = this.lastStatus;
    this.lastStatus = status;
    if (!previous || !sameStatus(previous, status)) {
      emitChecked(this.bus, 'status', PrinterStatusSchema, status, this.log);
    }
    if (!status.online) return status;
    const fault = faultOf(status);
    if (fault !== this.faultReason) {
      if (fault !== undefined) this.error(ErrorCode.PrinterFault, 'fault', `the printer reports: ${fault}`);
      this.faultReason = fault;
      this.healthCell.fault(fault);
    }
    return status;
  }

  private error(
    errorCode: DeviceErrorEvent['errorCode'],
    kind: string,
    message: string,
    bytes?: number,
  ): void {
    this.log.warn({ errorCode, kind }, message);
    this.errors.report({
      errorCode,
      kind,
      message,
      at: this.options.clock.now(),
      ...(bytes === undefined ? {} : { bytes }),
    });
  }

  private pollSoon(): void {
    if (!this.running || this.polling) return;
    this.wire.clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.wire.setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll()
        .catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'printer status poll failed'))
        .finally(() => {
          this.polling = undefined;
          const fast = this.lastRoundFailed || this.healthCell.state !== 'online';
          this.schedule(
            fast ? Math.min(RECOVERY_POLL_MS, this.config.statusPollMs) : this.config.statusPollMs,
          );
        });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    // A print asks for itself; a port being opened has nothing to ask yet.
    if (!this.transport.isUp || this.printsWaiting > 0) return;
    await this.round(this.config.replyTimeoutMs);
  }
}
