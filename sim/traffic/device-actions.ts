import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { SimGpioBarrier } from '../devices/barrier/gpio-barrier.ts';
import type { SimSerialBarrier } from '../devices/barrier/serial-barrier.ts';
import type { PlatePushKind } from '../devices/camera/push-camera.ts';
import type { CameraDevice, CameraFault } from '../devices/camera/site-cameras.ts';
import type { SimPluggableDevice, SimSerialDevice } from '../devices/device.ts';
import { quietAfterBadInputMs } from '../devices/scanner/encode.ts';
import type { SimScanner } from '../devices/scanner/scanner.ts';
import type { SimWedgeScanner } from '../devices/scanner/wedge-scanner.ts';
import type { SimThermometer } from '../devices/thermometer/thermometer.ts';
import { wireNow } from '../pacing.ts';
import type { SimulatedSite } from '../site.ts';
import type { SimEventLog } from './sim-events.ts';

/** Extra quiet time after a cut-off code, beyond the scanner's inter-byte gap (real ms). */
const QUIET_MARGIN_MS = 30;

interface ScannerLine {
  chain: Promise<void>;
  /** Wire time (wireNow ms) before which nothing more may be sent: a cut-off code needs its gap. */
  quietUntil: number;
}

/**
 * The only way the traffic and the faults touch the devices: each call goes to a simulated
 * device's control API and is written to the event log first, so the log is the sequence of
 * device events of a run. Also keeps what several actors share on a device:
 *  - a lane's loop: occupied while any vehicle is on it (a truck, a tailgater, a stopped car);
 *  - a scanner's line: what it sends goes out in order, and after a cut-off code the line stays
 *    quiet for longer than the scanner's inter-byte gap (real time, like all wire timing).
 */
export class DeviceActions {
  private readonly loops = new Map<string, Set<string>>();
  private readonly detectors = new Map<string, Set<string>>();
  private readonly scanners = new Map<string, ScannerLine>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    readonly site: SimulatedSite,
    readonly log: SimEventLog,
  ) {}

  barrier(lane: string): SimGpioBarrier | SimSerialBarrier {
    return this.site.lane(lane).barrier;
  }

  hasThermometer(lane: string): boolean {
    return this.site.lane(lane).thermometer !== undefined;
  }

  // ---- the cameras (HTTP push) ---------------------------------------------------------------

  hasPlateCamera(lane: string): boolean {
    return this.site.cameras.hasPlateCamera(lane);
  }

  hasThermalCamera(lane: string): boolean {
    return this.site.cameras.hasThermalCamera(lane);
  }

  /** The lane's plate camera reads a truck's plate (a clean read, or a duplicate, misread, late push...). */
  plateSeen(lane: string, plate: string, kind: PlatePushKind): void {
    this.log.emit('device', `${lane} plate camera`, kind, plate);
    void this.site.cameras.plateSeen(lane, plate, 'yellow', kind);
  }

  /** The lane's thermal camera measures the driver. */
  cameraTemperature(lane: string, objectC: number, unit: 'celsius' | 'fahrenheit'): void {
    this.log.emit('device', `${lane} thermal camera`, 'measures', `${objectC} °C as ${unit}`);
    void this.site.cameras.temperatureSeen(lane, objectC, unit);
  }

  /** The lane's plate or thermal camera shows a fault from now on (the next `pushes` only); undefined clears it. */
  cameraFault(lane: string, device: CameraDevice, fault: CameraFault | undefined, pushes?: number): void {
    this.log.emit(
      'device',
      `${lane} ${device} camera`,
      'setFault',
      fault ? `${fault}${pushes ? ` ×${pushes}` : ''}` : 'none',
    );
    this.site.cameras.setFault(lane, device, fault, pushes);
  }

  // ---- the loop ------------------------------------------------------------------------------

  vehicleOn(lane: string, vehicle: string): void {
    const on = this.loopOf(lane);
    if (on.has(vehicle)) return;
    on.add(vehicle);
    this.log.emit('device', `${lane} barrier`, 'putVehicle', vehicle);
    if (on.size === 1) this.barrier(lane).putVehicle();
  }

  vehicleOff(lane: string, vehicle: string): void {
    const on = this.loopOf(lane);
    if (!on.delete(vehicle)) return;
    this.log.emit('device', `${lane} barrier`, 'removeVehicle', vehicle);
    if (on.size === 0) this.barrier(lane).removeVehicle();
  }

  loopOccupied(lane: string): boolean {
    return this.loopOf(lane).size > 0;
  }

  /** A vehicle on or off a detector of the lane's barrier other than its main loop (photo-eye, arming or reset loop). */
  detector(lane: string, name: string, vehicle: string, on: boolean): void {
    const key = `${lane}/${name}`;
    let set = this.detectors.get(key);
    if (!set) {
      set = new Set();
      this.detectors.set(key, set);
    }
    if (on === set.has(vehicle)) return;
    if (on) set.add(vehicle);
    else set.delete(vehicle);
    this.log.emit('device', `${lane} barrier`, on ? 'detectorOn' : 'detectorOff', `${name} ${vehicle}`);
    if (set.size === (on ? 1 : 0)) this.barrier(lane).setDetector(name, on);
  }

  // ---- the scanner ---------------------------------------------------------------------------

  /** A code held under the lane's scanner. */
  scan(lane: string, code: string): void {
    this.log.emit('device', `${lane} scanner`, 'present', code);
    this.onScanner(lane, (s) => s.present(code), false);
  }

  /**
   * Raw bytes from the scanner (noise, garbage, an over-long code); `cutOff` keeps the line
   * quiet afterwards for longer than the resync silence, so the bytes end as a truncated code
   * (or a garbage line as one bad frame) and the next code is not taken as their tail.
   */
  scanRaw(lane: string, bytes: Buffer, what: string, cutOff = false): void {
    this.log.emit('device', `${lane} scanner`, 'sendRaw', `${what} ${bytes.toString('hex')}`);
    this.onScanner(lane, (s) => s.sendRaw(bytes), cutOff);
  }

  // ---- the thermometer -----------------------------------------------------------------------

  presentTarget(lane: string, tempC: number): void {
    const t = this.thermometer(lane);
    this.log.emit('device', `${lane} thermometer`, 'presentTarget', tempC.toFixed(1));
    t.presentTarget(tempC);
  }

  removeTarget(lane: string): void {
    const t = this.thermometer(lane);
    if (!t.reading().present) return;
    this.log.emit('device', `${lane} thermometer`, 'removeTarget');
    t.removeTarget();
  }

  thermometerControl(lane: string, action: string, detail: string, apply: (t: SimThermometer) => void): void {
    this.log.emit('device', `${lane} thermometer`, action, detail);
    apply(this.thermometer(lane));
  }

  // ---- the barrier ---------------------------------------------------------------------------

  jam(lane: string, on: boolean): void {
    this.log.emit('device', `${lane} barrier`, 'jam', on ? 'on' : 'off');
    this.barrier(lane).jam(on);
  }

  // ---- the yard ------------------------------------------------------------------------------

  /** A truck parks in the bay; false when the bay has no simulated sensor. */
  occupyBay(label: string): boolean {
    if (!this.hasBay(label)) return false;
    this.log.emit('device', `bay ${label}`, 'occupy');
    this.site.bay(label).occupy();
    return true;
  }

  freeBay(label: string): void {
    if (!this.hasBay(label)) return;
    this.log.emit('device', `bay ${label}`, 'free');
    this.site.bay(label).free();
  }

  setBayOnline(label: string, online: boolean): void {
    this.log.emit('device', `bay ${label}`, 'setOnline', String(online));
    this.site.bay(label).online = online;
  }

  setBusSilent(bus: string, on: boolean): void {
    const b = this.site.buses.get(bus);
    if (!b) throw new GatepostError(ErrorCode.NotFound, `no bay sensor bus ${bus}`);
    this.log.emit('device', b.name, 'setSilent', String(on));
    b.setSilent(on);
  }

  hasBay(label: string): boolean {
    try {
      this.site.busOf(label);
      return true;
    } catch {
      return false;
    }
  }

  // ---- any serial device ---------------------------------------------------------------------

  async unplug(device: SimPluggableDevice): Promise<void> {
    this.log.emit('device', device.name, 'unplug');
    await device.unplug();
  }

  async replug(device: SimPluggableDevice): Promise<void> {
    if (this.stopped) return; // the site is stopping: plugging in now would leave a PTY behind
    this.log.emit('device', device.name, 'replug');
    await device.replug();
  }

  /** Bytes from the device end of its line (noise), outside the device's own protocol. */
  lineNoise(device: SimSerialDevice, bytes: Buffer): void {
    this.log.emit('device', device.name, 'noise', bytes.toString('hex'));
    void device.port.write(bytes);
  }

  /** No more scanner writes are started; waiting ones are dropped. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private thermometer(lane: string): SimThermometer {
    const t = this.site.lane(lane).thermometer;
    if (!t) throw new GatepostError(ErrorCode.NotFound, `lane ${lane} has no thermometer`);
    return t;
  }

  private loopOf(lane: string): Set<string> {
    let set = this.loops.get(lane);
    if (!set) {
      set = new Set();
      this.loops.set(lane, set);
    }
    return set;
  }

  private onScanner(
    lane: string,
    send: (s: SimScanner | SimWedgeScanner) => Promise<void>,
    cutOff: boolean,
  ): void {
    const scanner = this.site.lane(lane).scanner;
    let line = this.scanners.get(lane);
    if (!line) {
      line = { chain: Promise.resolve(), quietUntil: 0 };
      this.scanners.set(lane, line);
    }
    const l = line;
    l.chain = l.chain
      .then(async () => {
        const wait = l.quietUntil - wireNow();
        if (wait > 0) await this.realDelay(wait);
        if (this.stopped) return;
        await send(scanner);
        if (cutOff) l.quietUntil = wireNow() + quietAfterBadInputMs(scanner.config) + QUIET_MARGIN_MS;
      })
      .catch(() => undefined);
  }

  private realDelay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, Math.ceil(ms));
      this.timers.add(t);
    });
  }
}
