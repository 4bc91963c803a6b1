import type { Clock } from '../../../core/clock.ts';
import type { GpioBarrierConfig } from '../../../devices/barrier/config.ts';
import { type GpioDetector, gpioDetectors } from '../../../devices/barrier/detectors.ts';
import type { Level } from '../../../devices/gpio/gpio.ts';
import type { VirtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import type { SimDevice } from '../device.ts';
import type { ArmState } from './arm.ts';
import { BarrierCore, type Interlock, type Violation } from './barrier-core.ts';

export interface SimGpioBarrierOptions {
  clock: Clock;
  name?: string;
  travelMs?: number;
  initial?: 'closed' | 'open';
  /** The controller's own loop interlock; off by default so that a gateway breach shows. */
  interlock?: Partial<Interlock>;
}

/**
 * The GPIO boom barrier of datasheet section 3 on a virtual GPIO chip. The gateway's relay
 * outputs (`open`, `close`; active level per config) are inputs to the simulation: the arm
 * starts moving on the edge to the active level. The simulation drives the inputs: `limitOpen`
 * high while fully open, `limitClosed` high while fully closed, and each detector's line
 * (safety loops, photo-eyes, arming and reset loops) high while it sees a vehicle. Both relays
 * energised at once stop the motor (and are recorded as a violation).
 *
 * Control API: putVehicle(), removeVehicle() (the main loop), setDetector(name, high), jam(on);
 * state, loopOccupied, violations.
 */
export class SimGpioBarrier implements SimDevice {
  readonly kind = 'gpio-barrier' as const;
  readonly name: string;
  readonly core: BarrierCore;
  private readonly active: Level;
  private readonly lineOf: ReadonlyMap<string, number>;
  private readonly relay = { open: false, close: false };
  private unwatch: (() => void)[] = [];

  constructor(
    readonly config: GpioBarrierConfig,
    readonly chip: VirtualGpioChip,
    options: SimGpioBarrierOptions,
  ) {
    this.name = options.name ?? `gpio barrier ${chip.name}:${config.lines.open}`;
    this.active = config.activeHigh ? 1 : 0;
    const detectors: GpioDetector[] = gpioDetectors(config);
    this.lineOf = new Map(detectors.map((d) => [d.name, d.line]));
    this.core = new BarrierCore({
      detectors,
      clock: options.clock,
      ...(options.travelMs !== undefined ? { travelMs: options.travelMs } : {}),
      ...(options.initial ? { initial: options.initial } : {}),
      ...(options.interlock ? { interlock: options.interlock } : {}),
    });
  }

  get state(): ArmState {
    return this.core.state;
  }

  get loopOccupied(): boolean {
    return this.core.loopOccupied;
  }

  get jammed(): boolean {
    return this.core.jammed;
  }

  get violations(): readonly Violation[] {
    return this.core.violations;
  }

  async start(): Promise<void> {
    if (this.unwatch.length > 0) return;
    const { lines } = this.config;
    this.driveInputs();
    const onState = () => this.driveInputs();
    const onDetector = (name: string, high: boolean) => this.driveDetector(name, high);
    this.core.on('state', onState);
    this.core.on('detector', onDetector);
    this.unwatch = [
      () => this.core.off('state', onState),
      () => this.core.off('detector', onDetector),
      this.chip.onOutput(lines.open, (level) => this.onRelay('open', level)),
      this.chip.onOutput(lines.close, (level) => this.onRelay('close', level)),
    ];
  }

  async stop(): Promise<void> {
    for (const off of this.unwatch.splice(0)) off();
    this.core.dispose();
  }

  putVehicle(): void {
    this.core.putVehicle();
  }

  removeVehicle(): void {
    this.core.removeVehicle();
  }

  /** A detector (by its config name) sees a vehicle, or no longer does. */
  setDetector(name: string, high: boolean): void {
    this.core.setDetector(name, high);
  }

  jam(on: boolean): void {
    this.core.jam(on);
  }

  private onRelay(which: 'open' | 'close', level: Level): void {
    const on = level === this.active;
    if (on === this.relay[which]) return;
    this.relay[which] = on;
    if (!on) return;
    if (this.relay.open && this.relay.close) {
      this.core.violate('relays-together');
      this.core.arm.stop();
      return;
    }
    // A GPIO controller gives no answer: a refused or jammed command shows as an arm that does not move.
    if (which === 'open') this.core.open();
    else this.core.close();
  }

  private driveInputs(): void {
    const { lines } = this.config;
    const s = this.core.state;
    this.chip.drive(lines.limitOpen, s === 'open' ? 1 : 0);
    this.chip.drive(lines.limitClosed, s === 'closed' ? 1 : 0);
    for (const name of this.lineOf.keys()) this.driveDetector(name, this.core.detector(name));
  }

  private driveDetector(name: string, high: boolean): void {
    const line = this.lineOf.get(name);
    if (line !== undefined) this.chip.drive(line, high ? 1 : 0);
  }
}
