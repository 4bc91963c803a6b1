import { Counter, Gauge, type Registry } from 'prom-client';
import type { BaySensorDriver } from '../../devices/bay-sensor/driver.ts';
import type { DeviceHealthEntry } from './readiness.ts';

/** What the device gauges read of a lane (LaneController.state()). */
export interface LaneStateSource {
  state(): { lane: string; mode: string; barrier: string; devices: Record<string, string> };
}

export type BaySensorSource = Pick<BaySensorDriver, 'health' | 'sweepFigures' | 'counters'>;

const HEALTH_STATES = ['online', 'degraded', 'offline'] as const;
const BARRIER_STATES = ['unknown', 'closed', 'opening', 'open', 'closing', 'fault'] as const;
const LANE_MODES = ['auto', 'manual', 'maintenance'] as const;

/** Sets one series per state: 1 for the current one, 0 for the others (a Prometheus "enum"). */
function setEnum<L extends string>(
  gauge: Gauge<L>,
  labels: Partial<Record<L, string>>,
  states: readonly string[],
  current: string,
  stateLabel: L,
): void {
  for (const s of states)
    gauge.set({ ...labels, [stateLabel]: s } as Partial<Record<L, string>>, s === current ? 1 : 0);
}

/**
 * Device health, lane mode, barrier state and the bay sensor buses' counters and sweep times,
 * read from the lanes and the bay sensor driver when scraped.
 */
export class DeviceMetrics {
  private readonly lanes: LaneStateSource[] = [];
  private baySensors: BaySensorSource | undefined;
  /** Clock ms per real ms: the bay driver times sweeps on the (possibly sped-up) clock. */
  private clockScale = 1;

  constructor(registry: Registry) {
    const registers = [registry];
    const lanes = this.lanes;
    const bays = () => this.baySensors;
    const scale = () => this.clockScale;
    new Gauge({
      name: 'gatepost_device_state',
      help: 'Health of each lane device (1 for its current state)',
      labelNames: ['lane', 'device', 'state'],
      registers,
      collect() {
        this.reset();
        for (const l of lanes) {
          const s = l.state();
          for (const [device, state] of Object.entries(s.devices))
            setEnum(this, { lane: s.lane, device }, HEALTH_STATES, state, 'state');
        }
      },
    });
    new Gauge({
      name: 'gatepost_lane_mode',
      help: 'Mode of each lane (1 for its current mode); manual: a fault keeps the barrier shut',
      labelNames: ['lane', 'mode'],
      registers,
      collect() {
        this.reset();
        for (const l of lanes) {
          const s = l.state();
          setEnum(this, { lane: s.lane }, LANE_MODES, s.mode, 'mode');
        }
      },
    });
    new Gauge({
      name: 'gatepost_barrier_state',
      help: 'State of each lane barrier (1 for its current state)',
      labelNames: ['lane', 'state'],
      registers,
      collect() {
        this.reset();
        for (const l of lanes) {
          const s = l.state();
          setEnum(this, { lane: s.lane }, BARRIER_STATES, s.barrier, 'state');
        }
      },
    });
    new Gauge({
      name: 'gatepost_bay_bus_state',
      help: 'Health of each bay sensor bus (1 for its current state)',
      labelNames: ['bus', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [bus, state] of Object.entries(bays()?.health() ?? {}))
          setEnum(this, { bus }, HEALTH_STATES, state, 'state');
      },
    });
    new Gauge({
      name: 'gatepost_bay_sweep_seconds',
      help: "Duration of each bus's last complete sweep of its bay sensors (real time)",
      labelNames: ['bus'],
      registers,
      collect() {
        this.reset();
        for (const b of bays()?.sweepFigures().buses ?? [])
          if (b.lastSweepMs !== undefined) this.set({ bus: b.id }, b.lastSweepMs / scale() / 1000);
      },
    });
    new Gauge({
      name: 'gatepost_bay_sweep_wire_seconds',
      help: "The wire-time limit of each bus's sweep (requests, answers and silences at its baud rate)",
      labelNames: ['bus'],
      registers,
      collect() {
        this.reset();
        for (const b of bays()?.sweepFigures().buses ?? []) this.set({ bus: b.id }, b.wireTimeMs / 1000);
      },
    });
    new Counter({
      name: 'gatepost_bay_bus_frames_total',
      help: 'Modbus exchanges on each bay sensor bus, by result',
      labelNames: ['bus', 'result'],
      registers,
      collect() {
        this.reset();
        for (const [bus, c] of Object.entries(bays()?.counters() ?? {})) {
          this.inc({ bus, result: 'response' }, c.responses);
          this.inc({ bus, result: 'timeout' }, c.timeouts);
          this.inc({ bus, result: 'crc-error' }, c.crcErrors);
          this.inc({ bus, result: 'exception' }, c.exceptions);
          this.inc({ bus, result: 'bad-frame' }, c.badFrames);
        }
      },
    });
  }

  addLanes(lanes: Iterable<LaneStateSource>): void {
    this.lanes.push(...lanes);
  }

  setBaySensors(source: BaySensorSource, clockScale = 1): void {
    this.baySensors = source;
    this.clockScale = clockScale;
  }

  /** Every device for the readiness check: `lane/device` and `bus/<id>`. */
  laneDevices(): DeviceHealthEntry[] {
    return this.lanes.flatMap((l) => {
      const s = l.state();
      return Object.entries(s.devices).map(([device, state]) => ({
        id: `${s.lane}/${device}`,
        state: state as DeviceHealthEntry['state'],
      }));
    });
  }

  /**
   * Every bay sensor bus for the readiness check: opened once its port was (a bus's health turns
   * online only after a whole sweep, seconds later, and degraded with a sensor missing).
   */
  busDevices(): DeviceHealthEntry[] {
    return Object.entries(this.baySensors?.counters() ?? {}).map(([bus, c]) => ({
      id: `bus/${bus}`,
      state: c.opens > 0 ? 'online' : 'offline',
    }));
  }
}
