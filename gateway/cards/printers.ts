import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { PrinterStatus, ReceiptPrinterPort } from '../../devices/printer/receipt.ts';
import type { PrinterConfig } from '../../site-config/printer-config.ts';
import type { CardPrinters } from './card-issuer.ts';
import type { PrinterHealth } from './card-payloads.ts';

/** What the gateway needs of a printer driver besides printing: its events, start and stop. */
export interface PrinterDevice extends ReceiptPrinterPort {
  readonly health: PrinterHealth['state'];
  on(
    event: 'health',
    listener: (e: { state: PrinterHealth['state']; reason: string; at: number }) => unknown,
  ): () => void;
  on(event: 'status', listener: (s: PrinterStatus) => unknown): () => void;
  on(
    event: 'device-error',
    listener: (e: { kind: string; errorCode: number; message: string }) => unknown,
  ): () => void;
  start(): void;
  stop(): Promise<void>;
}

export interface PrintersOptions {
  configs: readonly PrinterConfig[];
  create: (config: PrinterConfig) => PrinterDevice;
  /** Publishes a printer's retained health (`printer/{printer}/health`). */
  publishHealth: (printer: string, health: PrinterHealth) => Promise<void>;
  clock: Clock;
  log: Logger;
}

/**
 * The site's receipt printers: one driver per configured printer, started and stopped with the
 * gateway, each one's health published retained (`gatepost/{site}/printer/{printer}/health`)
 * whenever its health or its own status changes.
 */
export class Printers implements CardPrinters {
  private readonly devices = new Map<string, PrinterDevice>();
  private readonly offs: (() => void)[] = [];
  private readonly lastReason = new Map<string, string>();

  constructor(private readonly o: PrintersOptions) {
    for (const config of o.configs) this.devices.set(config.id, o.create(config));
  }

  start(): void {
    for (const [id, device] of this.devices) {
      const log = this.o.log.child({ printer: id });
      this.offs.push(
        device.on('health', (e) => {
          this.lastReason.set(id, e.reason);
          this.publish(id, device, e.at, e.state, e.reason);
        }),
        device.on('status', (s) => this.publish(id, device, s.at, device.health, undefined)),
        device.on('device-error', (e) =>
          log.warn({ kind: e.kind, errorCode: e.errorCode }, `printer: ${e.message}`),
        ),
      );
      this.publish(id, device, this.o.clock.now(), device.health, 'starting');
      device.start();
    }
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    for (const device of this.devices.values()) await device.stop();
  }

  byId(id: string): ReceiptPrinterPort | undefined {
    return this.devices.get(id);
  }

  serving(place: { lane: string } | { yard: true }): string | undefined {
    const config = this.o.configs.find((c) =>
      'lane' in place ? c.serves.lanes.includes(place.lane) : c.serves.yard,
    );
    return config?.id;
  }

  private publish(
    id: string,
    device: PrinterDevice,
    at: number,
    state: PrinterHealth['state'],
    reason: string | undefined,
  ): void {
    const status = device.status();
    const health: PrinterHealth = {
      state,
      reason: (statusReason(status) ?? reason ?? this.lastReason.get(id) ?? 'ok').slice(0, 200),
      ...(status ? { status } : {}),
      at,
    };
    this.o
      .publishHealth(id, health)
      .catch((err: unknown) => this.o.log.warn({ err, printer: id }, 'printer health publish failed'));
  }
}

/** The printer's own fault, in the words of the health reason. */
function statusReason(s: PrinterStatus | undefined): string | undefined {
  if (!s?.online) return undefined;
  if (s.paperOut) return 'paper-out';
  if (s.coverOpen) return 'cover-open';
  if (s.error) return 'error';
  if (s.paperNearEnd) return 'paper-near-end';
  return undefined;
}
