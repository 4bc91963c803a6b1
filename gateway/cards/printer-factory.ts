import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { ReceiptPrinter } from '../../devices/printer/driver.ts';
import type { SerialOpener } from '../../devices/serial/link.ts';
import type { PrinterConfig } from '../../site-config/printer-config.ts';

/** The one place the gateway names the concrete receipt printer driver (devices/printer/driver.ts). */
export function createReceiptPrinter(
  config: PrinterConfig,
  deps: { serial: SerialOpener; clock: Clock; log: Logger },
): ReceiptPrinter {
  const { id: _id, serves: _serves, ...device } = config;
  return new ReceiptPrinter({
    config: device,
    clock: deps.clock,
    log: deps.log,
    // A serial printer opens through the gateway's serial lines (real ports, PTYs or the
    // simulator's); a usblp printer through its character device, the driver's own opener.
    ...(device.transport === 'serial' ? { opener: deps.serial } : {}),
  });
}
