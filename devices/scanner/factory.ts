import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { SerialOpener } from '../serial/link.ts';
import type { LaneScannerConfig } from './config.ts';
import { createScannerDriver, type ScannerDriver } from './driver.ts';
import { createEvdevScannerDriver } from './evdev-driver.ts';

export interface LaneScannerDeps {
  opener: SerialOpener;
  clock: Clock;
  log: Logger;
}

/** A lane's scanner driver for its config: on a serial line, or keyboard-wedge (`kind: evdev`). */
export function createLaneScanner(config: LaneScannerConfig, deps: LaneScannerDeps): ScannerDriver {
  if (config.kind === 'evdev') return createEvdevScannerDriver({ config, clock: deps.clock, log: deps.log });
  return createScannerDriver({ config, opener: deps.opener, clock: deps.clock, log: deps.log });
}
