import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { createBaySensorDriver } from '../devices/bay-sensor/driver.ts';
import { baySweepWireTimeMs } from '../devices/bay-sensor/wire-time.ts';
import type { SweepEvent } from '../devices/events.ts';
import { SimulatedSite } from '../sim/site.ts';
import { parseConfig } from '../site-config/load.ts';
import { ROOT } from './support/child.ts';
import { median } from './support/stats.ts';

/**
 * A sweep of the yard's 1,200 bay sensors (issue 5): the gateway's bay sensor driver polling the
 * demo's six simulated RS-485 buses (200 sensors each, 19200 baud, in parallel) attached
 * in-process with byte pacing, beside the wire-time limit of the same sweep (request, answer and
 * two t3.5 silences per sensor on the slowest bus).
 */
export interface BaySweepBenchFigures {
  bay_sweep_s: number;
  bay_sweep_wire_s: number;
  bay_sweep_vs_wire_ratio: number;
}

const ROUNDS = 3;

export const BAY_SWEEP_CONDITIONS = `1,200 bays on 6 buses of 200 at 19200 8N1, FC04 2 registers a sensor, every sensor answering; simulated sensors in-process, wire-paced; a full sweep is the slowest bus's, median of ${ROUNDS} after the first; real-time clock`;

export async function baySweepBench(): Promise<BaySweepBenchFigures> {
  const raw = parseYaml(readFileSync(resolve(ROOT, 'config/demo.yaml'), 'utf8')) as Record<string, unknown>;
  const config = parseConfig({ ...raw, storage: { path: ':memory:' }, simulation: { enabled: true } });
  const buses = config.yard.baySensorBuses;
  const site = new SimulatedSite(config, { attach: 'in-process', clock: systemClock });
  await site.start();
  const driver = createBaySensorDriver({ buses, opener: site.hub!, clock: systemClock, log: silentLogger() });
  const sweeps = new Map<string, number[]>(buses.map((b) => [b.id, []]));
  const enough = new Promise<void>((done) => {
    driver.on('sweep', (e: SweepEvent) => {
      if (e.answered !== e.sensors) return; // a sweep with sensors not yet answering is not a full one
      sweeps.get(e.bus)?.push(e.durationMs);
      if ([...sweeps.values()].every((d) => d.length > ROUNDS)) done();
    });
  });
  driver.start();
  try {
    await Promise.race([
      enough,
      new Promise((_, fail) =>
        setTimeout(() => fail(new Error('bay sweeps did not complete in 60 s')), 60_000),
      ),
    ]);
  } finally {
    await driver.stop();
    await site.stop();
  }
  const rounds = Array.from({ length: ROUNDS }, (_, i) =>
    Math.max(...[...sweeps.values()].map((d) => d[i + 1] ?? Number.NaN)),
  );
  const sweep = median(rounds) / 1000;
  const wire = baySweepWireTimeMs(buses) / 1000;
  return {
    bay_sweep_s: Math.round(sweep * 1000) / 1000,
    bay_sweep_wire_s: Math.round(wire * 1000) / 1000,
    bay_sweep_vs_wire_ratio: Math.round((sweep / wire) * 100) / 100,
  };
}

export default baySweepBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.stdout.write(`${JSON.stringify(await baySweepBench(), null, 2)}\n(${BAY_SWEEP_CONDITIONS})\n`);
  process.exit(0);
}
