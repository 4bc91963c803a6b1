import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, ScaledClock } from '../core/clock.ts';
import { ErrorCode, GatepostError } from '../core/errors.ts';
import { type VirtualGpioChip, virtualGpioChip } from '../devices/gpio/virtual-chip.ts';
import { InProcessSerialHub } from '../devices/serial/in-process-hub.ts';
import type { LaneConfig, SiteConfig } from '../site-config/schema.ts';
import { InProcessAttachment, PtyAttachment, type SerialAttachment } from './attach/attachment.ts';
import type { Interlock } from './devices/barrier/barrier-core.ts';
import { SimGpioBarrier } from './devices/barrier/gpio-barrier.ts';
import { SimSerialBarrier } from './devices/barrier/serial-barrier.ts';
import { SimBaySensorBus } from './devices/bay-sensor/bus.ts';
import type { BaySensor } from './devices/bay-sensor/sensor.ts';
import { SimSiteCameras } from './devices/camera/site-cameras.ts';
import type { SimDevice } from './devices/device.ts';
import { SimPrinter, type SimPrinterOptions } from './devices/printer/printer.ts';
import { sitePrinterLines } from './devices/printer/site-printers.ts';
import { SimScanner } from './devices/scanner/scanner.ts';
import { SimWedgeScanner } from './devices/scanner/wedge-scanner.ts';
import { SimThermometer } from './devices/thermometer/thermometer.ts';
import { GpioServer } from './gpio-server.ts';

export interface SimulatedSiteOptions {
  /** Defaults to `simulation.attach` of the config. */
  attach?: 'in-process' | 'pty';
  /** In-process: the hub the gateway opens its serial ports through (a new one by default, see `hub`). */
  hub?: InProcessSerialHub;
  /** The clock of device state over time; defaults to a ScaledClock at `simulation.timeScale`. */
  clock?: Clock;
  /** Where the virtual GPIO chips come from; the process-wide registry by default. */
  gpioChip?: (name: string) => VirtualGpioChip;
  /** Serve the virtual GPIO chips at this address (`unix:<path>` or `tcp:127.0.0.1:<port>`) on start. */
  gpioServer?: string;
  /** PTY: where the device ends' links go (a temp dir by default). */
  ptyDeviceDir?: string;
  chunkMs?: number;
  thermometer?: { ambientC?: number; settleMs?: number };
  barrier?: { travelMs?: number; interlock?: Partial<Interlock> };
  /** The config's `printers`: where receipts go (`<outputDir>/<printer id>/`; a temp dir by default), head width, paper. */
  printer?: { outputDir?: string } & Pick<
    SimPrinterOptions,
    'widthDots' | 'paperReceipts' | 'nearEndReceipts'
  >;
}

export interface SimulatedLane {
  readonly id: string;
  readonly scanner: SimScanner | SimWedgeScanner;
  readonly thermometer: SimThermometer | undefined;
  readonly barrier: SimGpioBarrier | SimSerialBarrier;
}

/**
 * Every simulated device of a site config: a scanner, an optional thermometer and a barrier per
 * lane (checkpoint lanes and yard exit lanes), one simulated bus per bay sensor bus, and a receipt
 * printer per `printers` entry (serial or usblp: both a PTY at the configured path). Serial
 * devices are attached in-process (on `hub`) or over socat PTYs at the config's paths; GPIO
 * barriers sit on virtual chips, optionally served to other processes by a GpioServer.
 */
export class SimulatedSite {
  readonly attachment: SerialAttachment;
  /** The in-process hub (undefined when attached over PTYs). */
  readonly hub: InProcessSerialHub | undefined;
  readonly clock: Clock;
  readonly lanes = new Map<string, SimulatedLane>();
  readonly buses = new Map<string, SimBaySensorBus>();
  /** The receipt printers of the config's `printers` section, by id. */
  readonly printers = new Map<string, SimPrinter>();
  /** The plate and thermal cameras of the config's `cameras` section (they push over HTTP). */
  readonly cameras: SimSiteCameras;
  private readonly bays = new Map<string, SimBaySensorBus>();
  private readonly chips = new Map<string, VirtualGpioChip>();
  private readonly gpioAddress: string | undefined;
  private server: GpioServer | undefined;
  private running: SimDevice[] = [];

  constructor(
    readonly config: SiteConfig,
    private readonly options: SimulatedSiteOptions = {},
  ) {
    const mode = options.attach ?? config.simulation.attach;
    if (mode === 'in-process') {
      this.hub = options.hub ?? new InProcessSerialHub();
      this.attachment = new InProcessAttachment(this.hub);
    } else {
      this.hub = undefined;
      this.attachment = new PtyAttachment(options.ptyDeviceDir);
    }
    this.clock = options.clock ?? new ScaledClock(config.simulation.timeScale);
    this.gpioAddress = options.gpioServer;
    this.cameras = new SimSiteCameras(config);
    for (const cp of config.checkpoints) for (const lane of cp.lanes) this.addLane(lane);
    for (const lane of config.yard.exitLanes) this.addLane(lane);
    for (const busConfig of config.yard.baySensorBuses) {
      const bus = new SimBaySensorBus(busConfig, this.attachment, this.chunk());
      this.buses.set(bus.id, bus);
      for (const label of bus.labels()) this.bays.set(label, bus);
    }
    const { outputDir, ...printerOptions } = options.printer ?? {};
    const receipts = outputDir ?? join(tmpdir(), `gatepost-receipts-${process.pid}`);
    for (const line of sitePrinterLines(config)) {
      const printer = new SimPrinter(line, this.attachment, {
        ...printerOptions,
        outputDir: join(receipts, line.id),
        name: `${line.id} printer`,
        ...this.chunk(),
      });
      this.printers.set(line.id, printer);
    }
  }

  /** Every device, lanes first (scanner, thermometer, barrier), then the bay buses, then the printers. */
  devices(): SimDevice[] {
    const out: SimDevice[] = [];
    for (const lane of this.lanes.values()) {
      out.push(lane.scanner);
      if (lane.thermometer) out.push(lane.thermometer);
      out.push(lane.barrier);
    }
    out.push(...this.buses.values());
    out.push(...this.printers.values());
    return out;
  }

  /** The lane's devices; throws GatepostError NotFound for an unknown lane id. */
  lane(id: string): SimulatedLane {
    const lane = this.lanes.get(id);
    if (!lane) throw new GatepostError(ErrorCode.NotFound, `no simulated lane ${id}`);
    return lane;
  }

  /** The lane's scanner when it is a serial one; throws GatepostError NotFound for a keyboard-wedge one. */
  serialScanner(id: string): SimScanner {
    const scanner = this.lane(id).scanner;
    if (scanner.kind !== 'scanner')
      throw new GatepostError(ErrorCode.NotFound, `lane ${id} has a keyboard-wedge scanner`);
    return scanner;
  }

  /** The simulated receipt printer of a `printers` entry; throws GatepostError NotFound for an unknown id. */
  printer(id: string): SimPrinter {
    const printer = this.printers.get(id);
    if (!printer) throw new GatepostError(ErrorCode.NotFound, `no simulated printer ${id}`);
    return printer;
  }

  /** The sensor of a bay (e.g. `P-0412`); throws GatepostError NotFound if the bay has none. */
  bay(label: string): BaySensor {
    return this.busOf(label).sensor(label);
  }

  /** The bus a bay's sensor is on. */
  busOf(label: string): SimBaySensorBus {
    const bus = this.bays.get(label);
    if (!bus) throw new GatepostError(ErrorCode.NotFound, `bay ${label} has no simulated sensor`);
    return bus;
  }

  /** Labels of every bay with a sensor. */
  bayLabels(): string[] {
    return [...this.bays.keys()];
  }

  /** The virtual GPIO chips the GPIO barriers use, by name. */
  gpioChips(): ReadonlyMap<string, VirtualGpioChip> {
    return this.chips;
  }

  /** The GPIO server's address once started (if one was asked for). */
  get gpioServerAddress(): string | undefined {
    return this.server?.address;
  }

  /** Starts every device (and the GPIO server); on a failure, stops what was started and rethrows. */
  async start(): Promise<void> {
    if (this.running.length > 0) return;
    const devices = this.devices();
    const results = await Promise.allSettled(devices.map((d) => d.start()));
    this.running = devices;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    try {
      if (failed) throw failed.reason;
      if (this.gpioAddress) {
        this.server = new GpioServer((name) => this.chips.get(name));
        await this.server.listen(this.gpioAddress);
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stops every device and the GPIO server and removes the PTYs. Idempotent. */
  async stop(): Promise<void> {
    const devices = this.running;
    this.running = [];
    await Promise.allSettled(devices.map((d) => d.stop()));
    await this.server?.close();
    this.server = undefined;
    await this.attachment.close();
  }

  private addLane(lane: LaneConfig): void {
    const d = lane.devices;
    const scanner =
      d.scanner.kind === 'evdev'
        ? new SimWedgeScanner(d.scanner, { name: `${lane.id} scanner` })
        : new SimScanner(d.scanner, this.attachment, { name: `${lane.id} scanner`, ...this.chunk() });
    const thermometer = d.thermometer
      ? new SimThermometer(d.thermometer, this.attachment, {
          clock: this.clock,
          name: `${lane.id} thermometer`,
          ...this.options.thermometer,
          ...this.chunk(),
        })
      : undefined;
    const barrierOptions = { clock: this.clock, name: `${lane.id} barrier`, ...this.options.barrier };
    let barrier: SimGpioBarrier | SimSerialBarrier;
    if (d.barrier.kind === 'gpio') {
      const chip =
        this.chips.get(d.barrier.chip) ?? (this.options.gpioChip ?? virtualGpioChip)(d.barrier.chip);
      this.chips.set(d.barrier.chip, chip);
      barrier = new SimGpioBarrier(d.barrier, chip, barrierOptions);
    } else {
      barrier = new SimSerialBarrier(d.barrier, this.attachment, { ...barrierOptions, ...this.chunk() });
    }
    this.lanes.set(lane.id, { id: lane.id, scanner, thermometer, barrier });
  }

  private chunk(): { chunkMs?: number } {
    return this.options.chunkMs !== undefined ? { chunkMs: this.options.chunkMs } : {};
  }
}
