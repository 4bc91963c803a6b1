import type { Clock } from '../../core/clock.ts';
import { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/logger.ts';
import {
  type BayEvent,
  BayEventSchema,
  type BusHealthEvent,
  BusHealthEventSchema,
  type DeviceErrorEvent,
  DeviceErrorEventSchema,
  emitChecked,
  type SensorHealthEvent,
  SensorHealthEventSchema,
  type SweepEvent,
  SweepEventSchema,
} from '../events.ts';
import type { HealthState } from '../health.ts';
import type { ModbusStats } from '../modbus/master.ts';
import type { SerialOpener } from '../serial/link.ts';
import type { SerialCounters } from '../serial/transport.ts';
import { type BaySensorSlot, BusPoller } from './bus-poller.ts';
import type { BaySensorBusConfig } from './config.ts';
import { busSweepWireTimeMs } from './wire-time.ts';

// A type alias (not an interface): its keys stay literal for callers' overloads, and it still
// fits EventBus's Record<string, unknown>.
export type BaySensorEvents = {
  bay: BayEvent;
  'sensor-health': SensorHealthEvent;
  sweep: SweepEvent;
  error: DeviceErrorEvent;
  health: BusHealthEvent;
};

export interface BaySensorDriverOptions {
  buses: BaySensorBusConfig[];
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
  /** The bay's id from its prefix and number; by default the gateway's `P-0001` form. */
  bayLabel?: (prefix: string, n: number) => string;
  reconnect?: { initialMs: number; maxMs: number };
}

export interface SweepFigures {
  /** The slowest bus's last complete sweep: the time for every bay to be read once. */
  fullSweepMs: number | undefined;
  /** The wire-time limit of the same sweep (baySweepWireTimeMs). */
  wireTimeMs: number;
  buses: {
    id: string;
    sensors: number;
    lastSweepMs: number | undefined;
    wireTimeMs: number;
    sweeps: number;
  }[];
}

export interface BaySensorDriver {
  start(): void;
  stop(): Promise<void>;
  on<K extends keyof BaySensorEvents>(
    event: K,
    listener: (payload: BaySensorEvents[K]) => unknown,
  ): () => void;
  /** Each bus's health. */
  health(): Record<string, HealthState>;
  sweepFigures(): SweepFigures;
  counters(): Record<string, SerialCounters & ModbusStats>;
}

function defaultBayLabel(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}

/** Bay occupancy sensors (datasheet section 5): every bus swept in parallel, each continuously. */
export function createBaySensorDriver(options: BaySensorDriverOptions): BaySensorDriver {
  return new BaySensors(options);
}

class BaySensors implements BaySensorDriver {
  private readonly bus: EventBus<BaySensorEvents>;
  private readonly pollers: BusPoller[];
  private readonly healthByBus = new Map<string, HealthState>();

  constructor(private readonly options: BaySensorDriverOptions) {
    const log = options.log.child({ device: 'bay-sensors' });
    this.bus = new EventBus(log);
    const label = options.bayLabel ?? defaultBayLabel;
    this.pollers = options.buses.map((config) => {
      const slots: BaySensorSlot[] = config.sensors.flatMap((r) =>
        Array.from({ length: r.toBay - r.fromBay + 1 }, (_, i) => ({
          bayId: label(r.bayPrefix, r.fromBay + i),
          address: r.firstAddress + i,
        })),
      );
      const busLog = log.child({ bus: config.id, path: config.port.path });
      this.healthByBus.set(config.id, 'offline');
      return new BusPoller(
        config,
        slots,
        { opener: options.opener, clock: options.clock, log: busLog, sink: this.sinkFor(config.id, busLog) },
        options.reconnect,
      );
    });
  }

  on<K extends keyof BaySensorEvents>(
    event: K,
    listener: (payload: BaySensorEvents[K]) => unknown,
  ): () => void {
    return this.bus.on(event, listener);
  }

  start(): void {
    for (const p of this.pollers) p.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  health(): Record<string, HealthState> {
    return Object.fromEntries(this.healthByBus);
  }

  counters(): Record<string, SerialCounters & ModbusStats> {
    return Object.fromEntries(this.pollers.map((p) => [p.config.id, p.counters()]));
  }

  sweepFigures(): SweepFigures {
    const buses = this.pollers.map((p) => ({
      id: p.config.id,
      sensors: p.slots.length,
      lastSweepMs: p.lastSweepMs,
      wireTimeMs: busSweepWireTimeMs(p.config),
      sweeps: p.sweeps,
    }));
    const done = buses.every((b) => b.lastSweepMs !== undefined);
    return {
      fullSweepMs: done && buses.length > 0 ? Math.max(...buses.map((b) => b.lastSweepMs ?? 0)) : undefined,
      wireTimeMs: Math.max(0, ...buses.map((b) => b.wireTimeMs)),
      buses,
    };
  }

  private sinkFor(busId: string, log: Logger) {
    const { clock } = this.options;
    return {
      reading: (slot: BaySensorSlot, r: { occupied: boolean; distanceCm: number }, at: number) =>
        emitChecked(
          this.bus,
          'bay',
          BayEventSchema,
          { bayId: slot.bayId, bus: busId, address: slot.address, ...r, at },
          log,
        ),
      sensorHealth: (slot: BaySensorSlot, online: boolean, at: number) => {
        if (!online) log.warn({ bayId: slot.bayId, address: slot.address }, 'bay sensor offline');
        emitChecked(
          this.bus,
          'sensor-health',
          SensorHealthEventSchema,
          { bayId: slot.bayId, bus: busId, address: slot.address, state: online ? 'online' : 'offline', at },
          log,
        );
      },
      error: (
        slot: BaySensorSlot,
        e: {
          errorCode: DeviceErrorEvent['errorCode'];
          kind: string;
          message: string;
          exceptionCode?: number;
        },
        at: number,
      ) => {
        log.debug({ bayId: slot.bayId, kind: e.kind }, e.message);
        emitChecked(
          this.bus,
          'error',
          DeviceErrorEventSchema,
          { ...e, at, address: slot.address, bayId: slot.bayId },
          log,
        );
      },
      sweep: (durationMs: number, answered: number, at: number) => {
        const sensors = this.pollers.find((p) => p.config.id === busId)?.slots.length ?? 0;
        emitChecked(
          this.bus,
          'sweep',
          SweepEventSchema,
          { bus: busId, durationMs, sensors, answered, at },
          log,
        );
      },
      health: (state: HealthState, reason: string) => {
        const previous = this.healthByBus.get(busId) ?? 'offline';
        if (previous === state) return;
        this.healthByBus.set(busId, state);
        emitChecked(
          this.bus,
          'health',
          BusHealthEventSchema,
          { bus: busId, state, previous, reason, at: clock.now() },
          log,
        );
      },
    };
  }
}
