import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { GpioChip } from '../devices/gpio/gpio.ts';
import type { SerialOpener } from '../devices/serial/link.ts';
import type { SiteConfig } from '../site-config/schema.ts';

/**
 * What the gateway is given to start (gateway/app.ts startGateway): the site config, the clock,
 * the log, and how to reach the devices. The lanes' wiring takes its devices from it too; it sits
 * at the bottom of gateway/'s layers so that it need not import the composition root.
 */
export interface GatewayDeps {
  config: SiteConfig;
  clock: Clock;
  log: Logger;
  /** Opens the devices' serial lines: real ports and PTYs, or the simulator's in-memory lines. */
  serial: SerialOpener;
  /** The GPIO chip of a name (onoff on a box, virtual in simulation). */
  gpio: (chip: string) => GpioChip;
  /** Connect to this broker instead of starting the embedded one. */
  brokerUrl?: string;
  /**
   * The config file it runs on, for the downlink's `config` kind (gateway/downlink/config-apply.ts):
   * `settled` once the start path has tried a config under trial, `restart` to stop and exit so
   * that systemd starts it again on a new file.
   */
  configFile?: { path: string; settled?: Promise<void>; restart(reason: string): void };
}
