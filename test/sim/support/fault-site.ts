import { ManualClock } from '../../../core/clock.ts';
import { parseScenario } from '../../../sim/scenario/load.ts';
import { SimulationRun } from '../../../sim/scenario/run.ts';
import { FaultEntrySchema } from '../../../sim/scenario/schema.ts';
import { SimulatedSite } from '../../../sim/site.ts';
import type { GatewayLink } from '../../../sim/traffic/gateway-link.ts';
import type { SimEvent } from '../../../sim/traffic/sim-events.ts';
import { parseConfig } from '../../../site-config/load.ts';
import type { SiteConfig } from '../../../site-config/schema.ts';
import { isolatedChips } from './sim-run.ts';

/**
 * A small site for fault tests: lane `ser` (scanner at 115200 baud so long codes are quick,
 * thermometer, serial barrier), lane `gpio` (scanner, GPIO barrier on lines 1-5) and one bay
 * sensor bus `bus-1` with bays P-0001..P-0004 at addresses 1-4. Serial paths go in `dir`.
 */
export function faultSiteConfig(dir: string): SiteConfig {
  return parseConfig({
    version: 1,
    site: { id: 'fault-test', name: 'Fault test' },
    checkpoints: [
      {
        id: 'cp',
        name: 'Checkpoint',
        lanes: [
          {
            id: 'ser',
            name: 'Serial lane',
            devices: {
              scanner: { port: { path: `${dir}/ser-scanner`, baudRate: 115200 } },
              thermometer: { port: { path: `${dir}/ser-thermometer`, baudRate: 9600 }, slaveAddress: 1 },
              barrier: { kind: 'serial', port: { path: `${dir}/ser-barrier`, baudRate: 9600 } },
            },
          },
          {
            id: 'gpio',
            name: 'GPIO lane',
            devices: {
              scanner: { port: { path: `${dir}/gpio-scanner`, baudRate: 9600 } },
              barrier: {
                kind: 'gpio',
                chip: 'virtual',
                lines: { open: 1, close: 2, limitOpen: 3, limitClosed: 4, loop: 5 },
              },
            },
          },
        ],
      },
    ],
    yard: {
      zones: [{ id: 'parking', name: 'Parking', kind: 'parking', bays: [{ prefix: 'P', from: 1, to: 4 }] }],
      baySensorBuses: [
        {
          id: 'bus-1',
          port: { path: `${dir}/bus-1`, baudRate: 19200 },
          sensors: [{ bayPrefix: 'P', fromBay: 1, toBay: 4, firstAddress: 1 }],
        },
      ],
    },
  });
}

export interface FaultSite {
  clock: ManualClock;
  site: SimulatedSite;
  run: SimulationRun;
  events: SimEvent[];
  /** Parses a timeline fault entry (at 0 by default) and injects it now. */
  inject(entry: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The fault site's devices (over PTYs unless told otherwise) with a run that makes no traffic of
 * its own unless `traffic` (a scenario's `traffic` section) says so.
 */
export async function faultSite(
  dir: string,
  attach: 'pty' | 'in-process' = 'pty',
  traffic: Record<string, unknown> = { default: { arrivalsPerHour: 0 } },
  link?: GatewayLink,
): Promise<FaultSite> {
  const clock = new ManualClock();
  const site = new SimulatedSite(faultSiteConfig(dir), { attach, clock, gpioChip: isolatedChips() });
  await site.start();
  const scenario = parseScenario({ traffic });
  const run = new SimulationRun({ site, scenario, seed: 7, clock, ...(link ? { link } : {}) });
  const events: SimEvent[] = [];
  run.log.onEvent((e) => events.push(e));
  run.start();
  return {
    clock,
    site,
    run,
    events,
    inject: (entry) => run.faults.inject(FaultEntrySchema.parse({ at: 0, ...entry })),
    async stop() {
      run.stop();
      await site.stop();
    },
  };
}

/** Polls `check` (real time) until it holds; throws after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
