import { join } from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { SerialOpener } from '../devices/serial/link.ts';
import type { SiteConfig } from '../site-config/schema.ts';
import { checkScenarioAgainstSite, loadScenarioFile } from './scenario/load.ts';
import { SimulationRun } from './scenario/run.ts';
import { summaryLine } from './scenario/summary.ts';
import { SimulatedSite } from './site.ts';
import { brokerUrlOf, MqttGatewayLink } from './traffic/mqtt-gateway-link.ts';

export interface DemoSimulation {
  /** The serial lines of the simulated devices, for the gateway to open (in-process attach). */
  opener: SerialOpener | undefined;
  stop(): Promise<void>;
}

export interface DemoOptions {
  config: SiteConfig;
  clock: Clock;
  log: Logger;
  /** The traffic; `sim/scenarios/demo.yaml` by default. */
  scenarioFile?: string;
  /** How often a summary line is logged (real ms). */
  summaryEveryMs?: number;
}

/** The demo's traffic, shipped beside this file. */
export const DEMO_SCENARIO = join(import.meta.dirname, 'scenarios', 'demo.yaml');

/**
 * The simulation the demo runs beside the gateway, in this process and on the gateway's clock
 * (so the yard's timers speed up with `simulation.timeScale` too): every device of the config
 * (attached as `simulation.attach` says), the demo scenario's traffic from `simulation.seed`,
 * watching decisions and acting as yard staff on the gateway's broker once it is up. The trust
 * list for the simulator's passes is written at `passes.trustListPath` before this returns, so
 * the gateway finds it when it starts.
 */
export async function startDemoSimulation(opts: DemoOptions): Promise<DemoSimulation> {
  const { config, clock, log } = opts;
  const scenario = loadScenarioFile(opts.scenarioFile ?? DEMO_SCENARIO);
  checkScenarioAgainstSite(scenario, config, opts.scenarioFile ?? DEMO_SCENARIO);
  const site = new SimulatedSite(config, { clock });
  await site.start();
  const url = brokerUrlOf(config);
  const link = url
    ? new MqttGatewayLink({ url, site: config.site.id, staffId: scenario.traffic.yard.staffId })
    : undefined;
  const run = new SimulationRun({
    site,
    scenario,
    seed: config.simulation.seed,
    clock,
    ...(link ? { link } : {}),
  });
  try {
    const trustListPath = config.passes.trustListPath;
    if (trustListPath) {
      await run.writeTrustList(trustListPath);
      log.info({ path: trustListPath }, 'simulator trust list written');
    } else {
      log.warn('passes.trustListPath is not set: the simulated passes will verify as untrusted');
    }
  } catch (e) {
    await link?.close();
    await site.stop();
    throw e;
  }
  run.start();
  const timer = setInterval(
    () =>
      log.info(
        { summary: summaryLine(run, { connected: link?.connected ?? false, broker: url }) },
        'simulation',
      ),
    opts.summaryEveryMs ?? 60_000,
  );
  timer.unref();
  log.info(
    { devices: site.devices().length, seed: config.simulation.seed, scenario: scenario.name, broker: url },
    'demo simulation started',
  );
  let stopped = false;
  return {
    opener: site.hub,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      run.stop();
      await link?.close();
      await site.stop();
    },
  };
}
