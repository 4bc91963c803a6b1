import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { GpioChip } from '../gpio/gpio.ts';
import type { SerialOpener } from '../serial/link.ts';
import type { BarrierDriver } from './base.ts';
import type { BarrierConfig } from './config.ts';
import { createGpioBarrierDriver } from './gpio-barrier.ts';
import { createSerialBarrierDriver } from './serial-barrier.ts';

export type { BarrierDriver } from './base.ts';

export interface BarrierDriverOptions {
  config: BarrierConfig;
  /** For serial barriers. */
  opener: SerialOpener;
  /** For GPIO barriers: the chip of this name (onoff on a box, virtual in the simulator). */
  gpio: (chipName: string) => GpioChip;
  clock: Clock;
  log: Logger;
}

/** A barrier driver of the configured kind; both enforce the same safety rules. */
export function createBarrierDriver(options: BarrierDriverOptions): BarrierDriver {
  const { config, clock, log } = options;
  if (config.kind === 'gpio')
    return createGpioBarrierDriver({ config, chip: options.gpio(config.chip), clock, log });
  return createSerialBarrierDriver({ config, opener: options.opener, clock, log });
}
