import { ManualClock } from '../../../core/clock.ts';
import { VirtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import { checkScenarioAgainstSite, parseScenario } from '../../../sim/scenario/load.ts';
import { SimulationRun } from '../../../sim/scenario/run.ts';
import { SimulatedSite } from '../../../sim/site.ts';
import type { SimEvent } from '../../../sim/traffic/sim-events.ts';
import type { Outcome } from '../../../sim/traffic/stats.ts';
import { loadConfigFile } from '../../../site-config/load.ts';
import type { SiteConfig } from '../../../site-config/schema.ts';
import { ScriptedGateway } from './scripted-gateway.ts';

export const DEMO_CONFIG = new URL('../../../config/demo.yaml', import.meta.url).pathname;

/** GPIO chips of this test only (not the process-wide registry). */
export function isolatedChips(): (name: string) => VirtualGpioChip {
  const chips = new Map<string, VirtualGpioChip>();
  return (name) => {
    const c = chips.get(name) ?? new VirtualGpioChip(name);
    chips.set(name, c);
    return c;
  };
}

export interface TestRun {
  clock: ManualClock;
  site: SimulatedSite;
  run: SimulationRun;
  gateway: ScriptedGateway | undefined;
  /** Every event of the run, in order. */
  events: SimEvent[];
  stop(): Promise<void>;
}

/**
 * The demo site's devices in-process on a ManualClock, with a scenario run on them (not started)
 * and, if asked, a ScriptedGateway standing in for the gateway.
 */
export async function testRun(options: {
  seed: number;
  scenario?: unknown;
  gateway?: boolean;
  /** The stand-in gateway's outcome at a yard exit lane (PASS). */
  exitOutcome?: Outcome;
  config?: SiteConfig;
}): Promise<TestRun> {
  const config = options.config ?? loadConfigFile(DEMO_CONFIG);
  const scenario = parseScenario(options.scenario ?? {});
  checkScenarioAgainstSite(scenario, config);
  const clock = new ManualClock();
  const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: isolatedChips() });
  await site.start();
  const gateway = options.gateway ? new ScriptedGateway(site, clock, options.exitOutcome) : undefined;
  const run = new SimulationRun({
    site,
    scenario,
    seed: options.seed,
    clock,
    ...(gateway ? { link: gateway } : {}),
  });
  gateway?.watch(run.log);
  const events: SimEvent[] = [];
  run.log.onEvent((e) => events.push(e));
  return {
    clock,
    site,
    run,
    gateway,
    events,
    async stop() {
      run.stop();
      await gateway?.close();
      await site.stop();
    },
  };
}

/** Advances the clock in steps (so that device and traffic timers interleave as they would). */
export async function advance(clock: ManualClock, ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) await clock.advance(Math.min(step, ms - t));
}
