import type { Clock } from '../../core/clock.ts';
import { ErrorCode, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { HEALTH_RULES, HealthCell, type HealthState } from '../health.ts';
import { type ModbusReadResult, ModbusRtuMaster, type ModbusStats } from '../modbus/master.ts';
import type { SerialOpener } from '../serial/link.ts';
import { type SerialCounters, SerialTransport } from '../serial/transport.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import type { BaySensorBusConfig } from './config.ts';
import { BAY_SENSOR_QUANTITY } from './wire-time.ts';

export interface BaySensorSlot {
  bayId: string;
  address: number;
}

export interface BayReading {
  occupied: boolean;
  distanceCm: number;
}

/** What a bus poller reports; the driver turns these into checked events. */
export interface BusPollerSink {
  reading(slot: BaySensorSlot, reading: BayReading, at: number): void;
  sensorHealth(slot: BaySensorSlot, online: boolean, at: number): void;
  error(
    slot: BaySensorSlot,
    e: { errorCode: ErrorCode; kind: string; message: string; exceptionCode?: number },
    at: number,
  ): void;
  sweep(durationMs: number, answered: number, at: number): void;
  health(state: HealthState, reason: string): void;
}

interface SlotState {
  failures: number;
  online: boolean;
  last: BayReading | undefined;
}

/**
 * Sweeps one multi-drop bus continuously, one sensor after another (datasheet section 5): a
 * sensor that misses `offlineAfterFailures` polls in a row is offline until it answers again.
 */
export class BusPoller {
  readonly transport: SerialTransport;
  private readonly master: ModbusRtuMaster;
  private readonly state = new Map<number, SlotState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private offs: (() => void)[] = [];
  lastSweepMs: number | undefined;
  sweeps = 0;
  /** The bus's health: one sample per sweep, under the shared rule (devices/health.ts). */
  private readonly healthCell: HealthCell;

  constructor(
    readonly config: BaySensorBusConfig,
    readonly slots: readonly BaySensorSlot[],
    private readonly deps: {
      opener: SerialOpener;
      clock: Clock;
      log: Logger;
      sink: BusPollerSink;
      wire?: WireClock;
    },
    reconnect?: { initialMs: number; maxMs: number },
  ) {
    this.healthCell = new HealthCell({
      rule: HEALTH_RULES.bayBus,
      wire: deps.wire ?? wireClockFor(deps.clock),
      onChange: (change) => deps.sink.health(change.state, change.reason),
    });
    this.transport = new SerialTransport({
      settings: config.port,
      opener: deps.opener,
      clock: deps.clock,
      log: deps.log,
      ...(reconnect ? { reconnect } : {}),
    });
    this.master = new ModbusRtuMaster({ transport: this.transport, clock: deps.clock, log: deps.log });
    for (const s of slots) this.state.set(s.address, { failures: 0, online: false, last: undefined });
  }

  counters(): SerialCounters & ModbusStats {
    return { ...this.transport.counters, ...this.master.stats };
  }

  /** Sensors currently offline. */
  offlineCount(): number {
    let n = 0;
    for (const s of this.state.values()) if (!s.online) n++;
    return n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.offs = [
      this.transport.on('up', () => this.wake?.()),
      this.transport.on('down', ({ reason }) => this.healthCell.lost(`port down: ${reason}`)),
    ];
    this.transport.start();
    this.loop = this.run().catch((err: unknown) =>
      this.deps.log.error({ err: errorMessage(err) }, 'bay sensor sweep loop failed'),
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.transport.stop();
    this.master.detach();
    await this.loop;
    this.healthCell.dispose();
    for (const off of this.offs) off();
    this.offs = [];
  }

  private async run(): Promise<void> {
    const { clock } = this.deps;
    while (this.running) {
      if (!this.transport.isUp) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (!this.running) resolve();
        });
        this.wake = undefined;
        continue;
      }
      const started = clock.now();
      let answered = 0;
      let complete = true;
      for (const slot of this.slots) {
        if (!this.running || !this.transport.isUp) {
          complete = false;
          break;
        }
        const result = await this.master.readInputRegisters(
          slot.address,
          0,
          BAY_SENSOR_QUANTITY,
          this.config.responseTimeoutMs,
        );
        if (result.ok) {
          answered++;
          this.answered(slot, result.registers, result.at);
        } else if (result.kind !== 'port') {
          this.failed(slot, result);
        }
      }
      if (!complete) continue;
      const now = clock.now();
      this.lastSweepMs = now - started;
      this.sweeps++;
      this.deps.sink.sweep(this.lastSweepMs, answered, now);
      // Sensors offline (each after its own failed polls in a row) degrade the bus while they last.
      const offline = this.offlineCount();
      this.healthCell.fault(
        offline > 0 && answered > 0 ? `${offline} of ${this.slots.length} sensors offline` : undefined,
      );
      if (answered === 0) this.healthCell.sample('silent', 'no sensor answered a whole sweep');
      else
        this.healthCell.sample(
          'good',
          offline > 0 ? `${answered} sensors answering` : 'all sensors answering',
        );
      // A bus with nothing to poll, or with a clock that does not move, must not spin.
      if (this.slots.length === 0 || now === started) await this.pause(1);
    }
  }

  /** A wait that `stop()` (or the port coming up) cuts short. */
  private pause(ms: number): Promise<void> {
    const { clock } = this.deps;
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clock.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private answered(slot: BaySensorSlot, registers: number[], at: number): void {
    const s = this.state.get(slot.address)!;
    s.failures = 0;
    if (!s.online) {
      s.online = true;
      this.deps.sink.sensorHealth(slot, true, at);
    }
    const [ir0 = 0, ir1 = 0] = registers;
    if (ir0 !== 0 && ir0 !== 1) {
      this.deps.sink.error(
        slot,
        {
          errorCode: ErrorCode.ReadingImplausible,
          kind: 'bad-occupancy',
          message: `occupancy register reads ${ir0}, not 0 or 1`,
        },
        at,
      );
      return;
    }
    const reading = { occupied: ir0 === 1, distanceCm: ir1 };
    if (!s.last || s.last.occupied !== reading.occupied || s.last.distanceCm !== reading.distanceCm) {
      s.last = reading;
      this.deps.sink.reading(slot, reading, at);
    }
  }

  private failed(slot: BaySensorSlot, result: ModbusReadResult & { ok: false }): void {
    const s = this.state.get(slot.address)!;
    s.failures++;
    const limit = this.config.offlineAfterFailures;
    if (s.failures <= limit) {
      this.deps.sink.error(
        slot,
        {
          errorCode: result.error.code,
          kind: result.kind,
          message: result.error.message,
          ...(result.exceptionCode !== undefined ? { exceptionCode: result.exceptionCode } : {}),
        },
        result.at,
      );
    }
    if (s.failures === limit && s.online) {
      s.online = false;
      this.deps.sink.sensorHealth(slot, false, result.at);
    } else if (s.failures === limit && s.last === undefined) {
      // Never answered since start: report it offline once, so the bay shows "sensor offline".
      this.deps.sink.sensorHealth(slot, false, result.at);
    }
  }
}
