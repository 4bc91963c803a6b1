import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { GpioChip, GpioOutput, Level } from '../gpio/gpio.ts';
import { HEALTH_RULES } from '../health.ts';
import { type WireClock, wireClockFor } from '../serial/wire-clock.ts';
import { BarrierBase } from './base.ts';
import type { GpioBarrierConfig } from './config.ts';
import { DebouncedInput } from './debounce.ts';
import { type GpioDetector, gpioDetectors } from './detectors.ts';
import type { Relay } from './safety-machine.ts';

export interface GpioBarrierOptions {
  config: GpioBarrierConfig;
  chip: GpioChip;
  clock: Clock;
  log: Logger;
  /** Real time for the health rule (default: wireClockFor(clock)). */
  wire?: WireClock;
}

/**
 * The GPIO boom barrier (datasheet section 3): relays pulsed; limits and every detector (safety
 * loops, photo-eyes, arming and reset loops, one line each) debounced.
 */
export function createGpioBarrierDriver(options: GpioBarrierOptions): GpioBarrier {
  return new GpioBarrier(options);
}

export class GpioBarrier extends BarrierBase {
  private readonly outputs: Record<Relay, GpioOutput>;
  private readonly limitOpen: DebouncedInput;
  private readonly limitClosed: DebouncedInput;
  private readonly detectorInputs: { detector: GpioDetector; input: DebouncedInput }[];
  private started = false;

  constructor(private readonly options: GpioBarrierOptions) {
    const { config, chip, clock } = options;
    const detectors = gpioDetectors(config);
    super(
      clock,
      options.log.child({ device: 'barrier', kind: 'gpio', chip: chip.name }),
      {
        pulseMs: config.pulseMs,
        travelTimeoutMs: config.travelTimeoutMs,
        autoCloseAfterClearMs: config.autoCloseAfterClearMs,
        closeIfNoVehicleMs: config.closeIfNoVehicleMs,
        trailerGapMs: config.trailerGapMs,
        stuckAfterMs: config.stuckAfterMs,
      },
      { rule: HEALTH_RULES.gpioBarrier, wire: options.wire ?? wireClockFor(clock) },
      detectors,
    );
    const { lines, debounceMs } = config;
    this.outputs = { open: chip.output(lines.open), close: chip.output(lines.close) };
    const limits = () =>
      this.runner.feed({
        type: 'limits',
        limitOpen: this.limitOpen.level === 1,
        limitClosed: this.limitClosed.level === 1,
      });
    this.limitOpen = new DebouncedInput(chip.input(lines.limitOpen), debounceMs, clock, limits);
    this.limitClosed = new DebouncedInput(chip.input(lines.limitClosed), debounceMs, clock, limits);
    this.detectorInputs = detectors.map((detector) => ({
      detector,
      input: new DebouncedInput(chip.input(detector.line), debounceMs, clock, (level) =>
        this.runner.feed({ type: 'detector', role: detector.role, name: detector.name, high: level === 1 }),
      ),
    }));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    // Both relays off before anything else, then the arm's state from the limit switches.
    this.write('open', false);
    this.write('close', false);
    for (const input of this.inputs()) input.start();
    const detectors = this.detectorInputs.map(({ detector: d, input }) => ({
      role: d.role,
      name: d.name,
      high: input.level === 1,
    }));
    this.runner.feed({
      type: 'start',
      limitOpen: this.limitOpen.level === 1,
      limitClosed: this.limitClosed.level === 1,
      loop: detectors.some((d) => d.role === 'presence' && d.high),
      detectors,
    });
    // The lines answer nothing: ready is online (degraded while the arm is in fault).
    if (this.state === 'fault') this.healthCell.fault('arm in fault at start');
    this.healthCell.sample('good', 'GPIO lines ready');
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const input of this.inputs()) input.stop();
    this.runner.feed({ type: 'stop' });
    this.runner.dispose();
    this.write('open', false);
    this.write('close', false);
    this.healthCell.lost('driver stopped');
    this.healthCell.dispose();
  }

  private inputs(): DebouncedInput[] {
    return [this.limitOpen, this.limitClosed, ...this.detectorInputs.map((d) => d.input)];
  }

  protected relay(relay: Relay, on: boolean): void {
    this.write(relay, on);
  }

  private write(relay: Relay, on: boolean): void {
    const active: Level = this.options.config.activeHigh ? 1 : 0;
    const inactive: Level = active === 1 ? 0 : 1;
    this.outputs[relay].write(on ? active : inactive);
  }
}
