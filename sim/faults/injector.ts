import type { Clock, TimerHandle } from '../../core/clock.ts';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { CameraDevice, CameraFault } from '../devices/camera/site-cameras.ts';
import type { SimPluggableDevice, SimSerialDevice } from '../devices/device.ts';
import type { PassMint } from '../passes/pass-mint.ts';
import type { Random } from '../random.ts';
import type { FaultEntry } from '../scenario/schema.ts';
import type { TrafficGenerator } from '../traffic/traffic.ts';
import { armStuck, stopOnLoop } from './barrier-faults.ts';
import { garbageLine, noiseBytes, overlongCode, truncatedCode } from './byte-faults.ts';
import { FAULT_KINDS, faultInfo } from './fault-kinds.ts';

const DEFAULT_NOISE_BYTES = 24;
const DEFAULT_OVERLONG_BYTES = 5000;
const DEFAULT_EXCEPTION = 4; // server device failure
const DEFAULT_IMPLAUSIBLE_C = 52;

/** What each camera fault kind makes the camera do. */
const CAMERA_FAULTS = {
  'camera-offline': 'offline',
  'camera-malformed': 'malformed',
  'camera-oversized': 'oversized',
} as const satisfies Record<string, CameraFault>;

/** A fault in force, for the summary. */
export interface ActiveFault {
  id: number;
  label: string;
  /** Run time (clock ms since the start) it ends, if it has a duration. */
  until?: number;
}

/**
 * Injects the faults of a scenario's timeline (or of `--fault` on the command line) through
 * the simulated devices' control APIs, all via the traffic's DeviceActions so they appear in
 * the event log. A fault with a duration is cleared after `for` on the clock.
 */
export class FaultInjector {
  private readonly active = new Map<
    number,
    ActiveFault & { clear: () => void | Promise<void>; timer?: TimerHandle }
  >();
  private nextId = 1;
  private stopped = false;

  constructor(
    private readonly traffic: TrafficGenerator,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly mint: PassMint,
  ) {}

  /** Faults in force now. */
  activeFaults(): ActiveFault[] {
    return [...this.active.values()].map(({ id, label, until }) =>
      until === undefined ? { id, label } : { id, label, until },
    );
  }

  /** Applies a fault now; resolves once it is in place (an unplug takes a moment over PTYs). */
  async inject(entry: FaultEntry): Promise<void> {
    if (this.stopped) return;
    const { actions, log, stats } = this.traffic;
    const label = faultLabel(entry);
    stats.count(stats.faults, entry.fault);
    log.emit('fault', label, 'inject');
    const forMs = entry.for ?? faultInfo(entry.fault).defaultForMs;
    const lane = entry.lane ?? '';
    const scanner = () => actions.site.lane(lane).scanner;
    switch (entry.fault) {
      case 'unplug': {
        const device = this.serialDevice(entry);
        await actions.unplug(device);
        this.hold(label, forMs, () => actions.replug(device));
        return;
      }
      case 'noise': {
        const device = this.serialDevice(entry);
        const bytes = noiseBytes(this.random, entry.bytes ?? DEFAULT_NOISE_BYTES);
        // A keyboard-wedge scanner has no line: its noise is stray keys.
        if (device.kind === 'wedge-scanner') actions.scanRaw(lane, bytes, 'noise');
        else actions.lineNoise(device as SimSerialDevice, bytes);
        return;
      }
      case 'garbage':
        actions.scanRaw(lane, garbageLine(this.random, scanner().config), 'garbage', true);
        return;
      case 'truncated-code': {
        const code = this.mint.issue('green', SAMPLE_HOLDER, this.random);
        actions.scanRaw(lane, truncatedCode(this.random, code, scanner().config), 'truncated', true);
        return;
      }
      case 'overlong-code':
        actions.scanRaw(
          lane,
          overlongCode(entry.bytes ?? DEFAULT_OVERLONG_BYTES, scanner().config),
          'overlong',
        );
        return;
      case 'thermometer-timeout':
        actions.thermometerControl(lane, 'setNoReply', 'on', (t) => t.setNoReply(true));
        this.hold(label, forMs, () =>
          actions.thermometerControl(lane, 'setNoReply', 'off', (t) => t.setNoReply(false)),
        );
        return;
      case 'modbus-exception': {
        const code = entry.code ?? DEFAULT_EXCEPTION;
        actions.thermometerControl(lane, 'setException', String(code), (t) => t.setException(code));
        this.hold(label, forMs, () =>
          actions.thermometerControl(lane, 'setException', 'none', (t) => t.setException(undefined)),
        );
        return;
      }
      case 'bad-crc':
        if (entry.count !== undefined) {
          const n = entry.count;
          actions.thermometerControl(lane, 'sendBadCrc', String(n), (t) => t.sendBadCrc(n));
          return;
        }
        actions.thermometerControl(lane, 'sendBadCrc', 'all', (t) => t.sendBadCrc(Number.POSITIVE_INFINITY));
        this.hold(label, forMs, () =>
          actions.thermometerControl(lane, 'sendBadCrc', '0', (t) => t.sendBadCrc(0)),
        );
        return;
      case 'sensor-fault':
        actions.thermometerControl(lane, 'setFault', 'on', (t) => t.setFault(true));
        this.hold(label, forMs, () =>
          actions.thermometerControl(lane, 'setFault', 'off', (t) => t.setFault(false)),
        );
        return;
      case 'implausible-reading': {
        const c = entry.tempC ?? DEFAULT_IMPLAUSIBLE_C;
        actions.thermometerControl(lane, 'forceReading', c.toFixed(1), (t) => t.forceReading(c));
        this.hold(label, forMs, () =>
          actions.thermometerControl(lane, 'forceReading', 'none', (t) => t.forceReading(undefined)),
        );
        return;
      }
      case 'arm-stuck':
        this.hold(label, forMs, armStuck(actions, lane, this.clock));
        return;
      case 'stop-on-loop': {
        const id = this.nextId;
        const end = stopOnLoop(actions, lane, this.clock, forMs ?? 0, `vehicle-${id}`, () =>
          this.release(id),
        );
        this.hold(label, undefined, end);
        return;
      }
      case 'tailgate':
        this.traffic.lane(lane).tailgateNext();
        return;
      case 'camera-offline':
      case 'camera-malformed':
      case 'camera-oversized': {
        const device = this.camera(entry);
        const fault = CAMERA_FAULTS[entry.fault];
        if (entry.count !== undefined) {
          actions.cameraFault(lane, device, fault, entry.count);
          return;
        }
        actions.cameraFault(lane, device, fault);
        this.hold(label, forMs, () => actions.cameraFault(lane, device, undefined));
        return;
      }
      case 'bus-silent': {
        const bus = entry.bus ?? '';
        actions.setBusSilent(bus, true);
        this.hold(label, forMs, () => actions.setBusSilent(bus, false));
        return;
      }
      case 'sensor-offline': {
        const bay = entry.bay ?? '';
        actions.setBayOnline(bay, false);
        this.hold(label, forMs, () => actions.setBayOnline(bay, true));
        return;
      }
    }
  }

  /** Cancels pending clears (the devices stay as they are; stop the site to unplug them). */
  stop(): void {
    this.stopped = true;
    for (const a of this.active.values()) this.clock.clearTimeout(a.timer);
    this.active.clear();
    this.traffic.stats.activeFaults = 0;
  }

  /** Ends every fault in force now. */
  async clearAll(): Promise<void> {
    for (const id of [...this.active.keys()]) await this.release(id);
  }

  private hold(label: string, forMs: number | undefined, clear: () => void | Promise<void>): void {
    const id = this.nextId++;
    const entry: ActiveFault & { clear: () => void | Promise<void>; timer?: TimerHandle } = {
      id,
      label,
      clear,
    };
    if (forMs !== undefined) {
      entry.until = this.traffic.log.elapsed() + forMs;
      entry.timer = this.clock.setTimeout(() => void this.release(id), forMs);
    }
    this.active.set(id, entry);
    this.traffic.stats.activeFaults = this.active.size;
  }

  private async release(id: number): Promise<void> {
    const a = this.active.get(id);
    if (!a) return;
    this.active.delete(id);
    this.clock.clearTimeout(a.timer);
    this.traffic.stats.activeFaults = this.active.size;
    this.traffic.log.emit('fault', a.label, 'clear');
    await a.clear();
  }

  /** The lane's camera a camera fault names; throws when the lane has none of that kind. */
  private camera(entry: FaultEntry): CameraDevice {
    const { actions } = this.traffic;
    const lane = entry.lane ?? '';
    if (entry.device === 'plate' && actions.hasPlateCamera(lane)) return 'plate';
    if (entry.device === 'thermal' && actions.hasThermalCamera(lane)) return 'thermal';
    throw new GatepostError(
      ErrorCode.NotFound,
      `lane ${lane} has no ${entry.device ?? 'plate or thermal'} camera`,
    );
  }

  private serialDevice(entry: FaultEntry): SimPluggableDevice {
    const site = this.traffic.actions.site;
    const device = entry.device ?? (entry.bus !== undefined ? 'bus' : 'scanner');
    if (device === 'bus') {
      const bus = site.buses.get(entry.bus ?? '');
      if (!bus) throw new GatepostError(ErrorCode.NotFound, `no bay sensor bus ${entry.bus}`);
      return bus;
    }
    const lane = site.lane(entry.lane ?? '');
    if (device === 'scanner') return lane.scanner;
    if (device === 'thermometer' && lane.thermometer) return lane.thermometer;
    if (device === 'barrier' && lane.barrier.kind === 'serial-barrier') return lane.barrier;
    throw new GatepostError(ErrorCode.NotFound, `lane ${lane.id} has no serial ${device}`);
  }
}

/** The holder of the passes a truncated-code fault cuts off. */
const SAMPLE_HOLDER = {
  plate: '晋D00000',
  sub: 'drv-fault',
  familyName: 'Test',
  givenName: 'Fault',
  dateOfBirth: '1980-01-01',
  origin: '140400',
  dest: '110000',
};

/** `unplug east-1 scanner`, `camera-offline east-1 plate`, `bus-silent bus-3`, `sensor-offline P-0412`, ... */
function faultLabel(entry: FaultEntry): string {
  const target = FAULT_KINDS[entry.fault].target;
  const where = [
    entry.lane,
    target === 'serial-device'
      ? (entry.device ?? (entry.bus ? 'bus' : 'scanner'))
      : target === 'camera'
        ? entry.device
        : undefined,
    entry.bus,
    entry.bay,
  ].filter((x) => x !== undefined);
  return [entry.fault, ...where].join(' ');
}
