import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import {
  type DeviceErrorEvent,
  DeviceErrorEventSchema,
  emitChecked,
  type HealthEvent,
  HealthEventSchema,
  type MeasurementEvent,
  MeasurementEventSchema,
  type PresenceEvent,
  PresenceEventSchema,
  type ThermometerReading,
  ThermometerReadingSchema,
} from '../events.ts';
import { HEALTH_RULES, HealthCell, type HealthSample, type HealthState } from '../health.ts';
import { type ModbusReadResult, ModbusRtuMaster, type ModbusStats } from '../modbus/master.ts';
import type { SerialOpener } from '../serial/link.ts';
import { type SerialCounters, SerialTransport } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import type { ThermometerConfig } from './config.ts';
import { type EpisodeOutput, MeasurementEpisode } from './episode.ts';
import { decodeThermometerRegisters, THERMOMETER_QUANTITY, THERMOMETER_START } from './registers.ts';

// A type alias (not an interface): its keys stay literal for callers' overloads, and it still
// fits EventBus's Record<string, unknown>.
export type ThermometerEvents = {
  measurement: MeasurementEvent;
  reading: ThermometerReading;
  presence: PresenceEvent;
  error: DeviceErrorEvent;
  health: HealthEvent;
};

export interface ThermometerDriverOptions {
  config: ThermometerConfig;
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
  reconnect?: { initialMs: number; maxMs: number };
  /** Real time for wire timings and the health rule (default: wireClockFor(clock)). */
  wire?: WireClock;
}

/** How each failed poll counts for health: a timeout is silence, garbage is noise, an exception an answer. */
const SAMPLE_OF: Record<Exclude<ModbusReadResult, { ok: true }>['kind'], HealthSample> = {
  timeout: 'silent',
  crc: 'noise',
  'bad-frame': 'noise',
  exception: 'poor',
  port: 'silent',
};

export interface ThermometerDriver {
  start(): void;
  stop(): Promise<void>;
  on<K extends keyof ThermometerEvents>(
    event: K,
    listener: (payload: ThermometerEvents[K]) => unknown,
  ): () => void;
  readonly health: HealthState;
  counters(): SerialCounters & ModbusStats;
}

/** The Modbus RTU thermometer (datasheet section 2): polls in, one measurement per episode out. */
export function createThermometerDriver(options: ThermometerDriverOptions): ThermometerDriver {
  return new Thermometer(options);
}

class Thermometer implements ThermometerDriver {
  private readonly bus: EventBus<ThermometerEvents>;
  private readonly transport: SerialTransport;
  private readonly master: ModbusRtuMaster;
  private readonly episode: MeasurementEpisode;
  private readonly healthCell: HealthCell;
  private readonly log: Logger;
  private running = false;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private faulted = false;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: ThermometerDriverOptions) {
    const { config, clock } = options;
    this.log = options.log.child({
      device: 'thermometer',
      path: config.port.path,
      slave: config.slaveAddress,
    });
    this.bus = new EventBus(this.log);
    this.transport = new SerialTransport({
      settings: config.port,
      opener: options.opener,
      clock,
      log: this.log,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    });
    this.master = new ModbusRtuMaster({
      transport: this.transport,
      clock,
      log: this.log,
      wire: options.wire ?? wireClockFor(clock),
    });
    this.episode = new MeasurementEpisode(config);
    // Offline after `offlineAfterFailures` failed polls in a row and 3 s without an answer;
    // degraded while a share of the polls fail or the sensor reports a fault (devices/health.ts).
    this.healthCell = new HealthCell({
      rule: { ...HEALTH_RULES.thermometer, offlineAfterFailures: config.offlineAfterFailures },
      wire: options.wire ?? wireClockFor(clock),
      onChange: (change) => {
        if (change.state === 'offline') {
          this.faulted = false;
          this.apply(this.episode.lost(), this.options.clock.now());
        }
        emitChecked(this.bus, 'health', HealthEventSchema, { ...change, at: clock.now() }, this.log);
      },
    });
  }

  get health(): HealthState {
    return this.healthCell.state;
  }

  on<K extends keyof ThermometerEvents>(
    event: K,
    listener: (payload: ThermometerEvents[K]) => unknown,
  ): () => void {
    return this.bus.on(event, listener);
  }

  counters(): SerialCounters & ModbusStats {
    return { ...this.transport.counters, ...this.master.stats };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = [
      this.transport.on('down', ({ reason }) => {
        this.failures = 0;
        this.goOffline(`port down: ${reason}`);
      }),
      // A poll that found the port still opening waits a whole interval: ask at once instead.
      this.transport.on('up', () => {
        if (this.timer === undefined || this.inFlight !== undefined) return;
        this.options.clock.clearTimeout(this.timer);
        this.schedule(0);
      }),
    ];
    this.transport.start();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.transport.stop();
    await this.inFlight;
    this.healthCell.dispose();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      const started = this.options.clock.now();
      this.inFlight = this.poll()
        .catch((err: unknown) =>
          this.log.error({ err: errorMessage(err) }, 'thermometer poll failed unexpectedly'),
        )
        .finally(() => {
          this.inFlight = undefined;
          // Polls start every pollIntervalMs; a slow poll (a timeout) delays the next one, never stacks.
          this.schedule(Math.max(0, started + this.options.config.pollIntervalMs - this.options.clock.now()));
        });
    }, delay);
  }

  private async poll(): Promise<void> {
    if (!this.transport.isUp) return;
    const { config } = this.options;
    const result = await this.master.readInputRegisters(
      config.slaveAddress,
      THERMOMETER_START,
      THERMOMETER_QUANTITY,
      config.responseTimeoutMs,
    );
    if (!this.running) return;
    if (result.ok) this.answered(result.registers, result.at);
    else this.failed(result);
  }

  private answered(registers: number[], at: number): void {
    this.failures = 0;
    const sample = decodeThermometerRegisters(registers);
    emitChecked(this.bus, 'reading', ThermometerReadingSchema, { ...sample, at }, this.log);
    if (sample.fault && !this.faulted) {
      this.error(
        ErrorCode.SensorFault,
        'sensor-fault',
        'thermometer reports a sensor fault; its readings are invalid',
        at,
      );
    }
    this.faulted = sample.fault;
    this.healthCell.fault(sample.fault ? 'sensor fault' : undefined);
    this.healthCell.sample('good', 'answering');
    this.apply(this.episode.sample(sample, at), at);
  }

  private failed(result: ModbusReadResult & { ok: false }): void {
    if (result.kind === 'port') return; // the transport's down event handles it
    this.failures++;
    const limit = this.options.config.offlineAfterFailures;
    // The failures of a streak are reported up to the one that marks the device offline; after
    // that they are only counted, so a thermometer that is gone for a day does not flood events.
    if (this.failures <= limit) {
      this.error(result.error.code, result.kind, result.error.message, result.at, result.exceptionCode);
    }
    this.healthCell.sample(SAMPLE_OF[result.kind], `${result.kind}: ${result.error.message}`);
  }

  private goOffline(reason: string): void {
    this.healthCell.lost(reason);
  }

  private apply(outputs: EpisodeOutput[], at: number): void {
    for (const out of outputs) {
      if (out.kind === 'presence') {
        emitChecked(this.bus, 'presence', PresenceEventSchema, { present: out.present, at }, this.log);
      } else if (out.kind === 'implausible') {
        this.error(
          ErrorCode.ReadingImplausible,
          'implausible',
          `reading ${out.objectC} °C is outside ${this.options.config.plausibleMinC}-${this.options.config.plausibleMaxC} °C; left out`,
          at,
        );
      } else {
        const { kind: _kind, ...m } = out;
        this.log.info({ objectC: m.objectC, readings: m.readings }, 'measurement');
        emitChecked(this.bus, 'measurement', MeasurementEventSchema, { ...m, at }, this.log);
      }
    }
  }

  private error(code: ErrorCode, kind: string, message: string, at: number, exceptionCode?: number): void {
    this.log.warn({ errorCode: code, kind }, message);
    const payload: DeviceErrorEvent = {
      errorCode: code,
      kind,
      message,
      at,
      address: this.options.config.slaveAddress,
      ...(exceptionCode !== undefined ? { exceptionCode } : {}),
    };
    emitChecked(this.bus, 'error', DeviceErrorEventSchema, payload, this.log);
  }
}
