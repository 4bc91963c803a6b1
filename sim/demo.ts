import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { InProcessSerialHub } from '../devices/serial/in-process-hub.ts';
import type { SerialOpener } from '../devices/serial/link.ts';
import type { SiteConfig } from '../gateway/config/schema.ts';

export interface DemoSimulation {
  /** The serial lines of the simulated devices, for the gateway to open (in-process attach). */
  opener: SerialOpener | undefined;
  stop(): Promise<void>;
}

export interface DemoOptions {
  config: SiteConfig;
  clock: Clock;
  log: Logger;
}

/**
 * The simulation the demo runs beside the gateway: a scanner on every lane that presents a
 * plate code now and then, attached in-process.
 */
export async function startDemoSimulation(opts: DemoOptions): Promise<DemoSimulation> {
  const hub = new InProcessSerialHub();
  const lanes = [...opts.config.checkpoints.flatMap((c) => c.lanes), ...opts.config.yard.exitLanes];
  const scanners = lanes.map((lane) => ({ lane: lane.id, line: hub.plug(lane.devices.scanner.port.path) }));
  let n = 0;
  const timer = opts.clock.setInterval(() => {
    const s = scanners[n % scanners.length];
    n++;
    if (!s) return;
    const plate = `晋D${String(10000 + ((n * 7919) % 90000))}`;
    s.line.write(Buffer.from(`${plate}\r`, 'utf8')).catch(() => undefined);
  }, 3000);
  opts.log.info({ scanners: scanners.length }, 'demo simulation started');
  return {
    opener: hub,
    async stop() {
      opts.clock.clearInterval(timer);
    },
  };
}
