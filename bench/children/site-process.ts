import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ScaledClock } from '../../core/clock.ts';
import { setRoundRobin } from '../../core/thread-scheduling.ts';
import { checkScenarioAgainstSite, parseScenario } from '../../sim/scenario/load.ts';
import { SimulationRun } from '../../sim/scenario/run.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { MqttGatewayLink } from '../../sim/traffic/mqtt-gateway-link.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { tellParent, untilParentSays } from '../support/child.ts';
import { LatencyProbe } from '../support/latency-probe.ts';

/**
 * The simulated devices of a bench site in their own process, as on a real box: over PTYs at the
 * config's serial paths, the GPIO chips served on a unix socket for the gateway process.
 *   node --import tsx bench/children/site-process.ts <config> <scenario JSON> <broker url> <epoch> <scale>
 * The clock runs `scale` times real time from `epoch` (the gateway process uses the same). It
 * writes the trust list of the scenario's pass mint, tells `ready` with the GPIO address, and
 * on `traffic` starts the scenario's traffic against the gateway's broker with the latency
 * probe; `phase {name}` labels the samples from then on; `report` answers with the samples and
 * the traffic's counts; `stop` (or SIGTERM) ends it.
 */
// The simulated devices stand in for hardware, which does not wait for the CPU: a higher
// priority (inherited by the socat PTY relays started below) where the OS allows it, real-time
// above the gateway's lanes (SCHED_RR 10) so that what a device sees is seen when it happens.
const SIM_RT_PRIORITY = 20;
let priority = 'normal priority';
try {
  setPriority(-10);
  priority = 'nice -10';
} catch {
  // not allowed (not root): the devices compete for the CPU like everything else
}
if ((await setRoundRobin(process.pid, SIM_RT_PRIORITY, { inherit: true })) === undefined)
  priority = `SCHED_RR ${SIM_RT_PRIORITY}`;
const [configFile = '', scenarioFile = '', url = '', epochArg = '0', scaleArg = '1'] = process.argv.slice(2);
const epoch = Number(epochArg);
const scale = Number(scaleArg);
const config = loadConfigFile(configFile);
const scenario = parseScenario(JSON.parse(readFileSync(scenarioFile, 'utf8')), scenarioFile);
checkScenarioAgainstSite(scenario, config, scenarioFile);
const clock = new ScaledClock(scale, epoch + (Date.now() - epoch) * scale);
const gpio = `unix:${join(dirname(configFile), 'gpio.sock')}`;
const site = new SimulatedSite(config, { attach: 'pty', clock, gpioServer: gpio });
await site.start();
const probe = new LatencyProbe(site);
// How late the devices' own event loop runs, from the last phase change (the probe's timing of
// an open is as late as this loop).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
// The link connects in the background and keeps retrying until the gateway's broker is up.
const link = new MqttGatewayLink({ url, site: config.site.id, staffId: scenario.traffic.yard.staffId });
const run = new SimulationRun({ site, scenario, seed: scenario.seed ?? config.simulation.seed, clock, link });
if (config.passes.trustListPath) await run.writeTrustList(config.passes.trustListPath);
tellParent({ type: 'ready', gpio, devices: site.devices().length, priority });

process.on('message', (raw) => {
  const m = raw as { type: string; name?: string };
  if (m.type === 'traffic') {
    void probe.connect(url, config.site.id).then(() => {
      run.start();
      tellParent({ type: 'traffic-started' });
    });
  } else if (m.type === 'phase' && m.name) {
    loopDelay.reset();
    probe.phase = m.name;
  } else if (m.type === 'report') {
    const stats = run.traffic.stats;
    tellParent({
      type: 'report',
      samples: probe.samples(),
      excluded: probe.excluded,
      // Over the last phase: how late a 1 ms timer ran (the histogram holds its whole intervals).
      loopDelayMs: { p99: loopDelay.percentile(99) / 1e6 - 1, max: loopDelay.max / 1e6 - 1 },
      traffic: {
        arrivals: stats.arrivals,
        scans: stats.scans,
        through: stats.through,
        turnedAway: stats.turnedAway,
        decisions: Object.fromEntries(stats.decisions),
        parked: stats.parked,
        leftYard: stats.leftYard,
      },
    });
  }
});

await untilParentSays('stop');
run.stop();
await probe.close();
await link.close();
await site.stop();
process.exit(0);
