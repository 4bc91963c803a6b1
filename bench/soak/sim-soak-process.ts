import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { ScaledClock } from '../../core/clock.ts';
import { checkScenarioAgainstSite, parseScenario } from '../../sim/scenario/load.ts';
import { SimulationRun } from '../../sim/scenario/run.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { MqttGatewayLink } from '../../sim/traffic/mqtt-gateway-link.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * The real-time soak's simulator: the site's devices over PTYs at the config's serial paths
 * (GPIO chips on a unix socket beside the config), the soak's scenario in real time against the
 * gateway's broker, acting as yard staff.
 *   node --import tsx bench/soak/sim-soak-process.ts <config> <scenario JSON>
 * Tells `ready` once the devices are up and the trust list written; on `traffic` starts the
 * scenario; on `trust-list` rewrites the trust list (the gateway reloads it); on `quiet` stops
 * the traffic (the trucks in the yard stay); `report` answers with the traffic's counts and the
 * yard's turnover (parks per bay, from the run's event log); `stop` (or SIGTERM) ends it.
 */
// The devices stand in for hardware, which does not wait for the CPU (as children/site-process.ts).
try {
  setPriority(-10);
} catch {
  // not allowed: the devices compete for the CPU like everything else
}
const [configFile = '', scenarioJson = ''] = process.argv.slice(2);
const config = loadConfigFile(configFile);
const scenario = parseScenario(JSON.parse(scenarioJson), 'soak scenario');
checkScenarioAgainstSite(scenario, config, 'soak scenario');
const clock = new ScaledClock(1);
const site = new SimulatedSite(config, {
  attach: 'pty',
  clock,
  gpioServer: `unix:${join(dirname(configFile), 'gpio.sock')}`,
});
await site.start();
const url = `mqtt://127.0.0.1:${config.broker.tcp.port}`;
const link = new MqttGatewayLink({ url, site: config.site.id, staffId: scenario.traffic.yard.staffId });
const run = new SimulationRun({ site, scenario, seed: scenario.seed ?? 27, clock, link });
const trustListPath = config.passes.trustListPath ?? join(dirname(configFile), 'trust-list.json');
await run.writeTrustList(trustListPath);

const parksPerBay = new Map<string, number>();
let unblocked = 0;
let pcrResults = 0;
run.log.onEvent((e) => {
  if (e.kind === 'truck' && e.action === 'parks' && e.detail)
    parksPerBay.set(e.detail, (parksPerBay.get(e.detail) ?? 0) + 1);
  if (e.kind === 'gateway' && e.action === 'request unblock') unblocked++;
  if (e.kind === 'gateway' && e.action === 'request result' && e.detail?.startsWith('pcr')) pcrResults++;
});
let trustListWrites = 0;
tellParent({ type: 'ready', devices: site.devices().length });

process.on('message', (raw) => {
  const m = raw as { type: string };
  if (m.type === 'traffic') run.start();
  else if (m.type === 'quiet') run.stop();
  else if (m.type === 'trust-list') {
    void run.writeTrustList(trustListPath).then(() => {
      trustListWrites++;
      tellParent({ type: 'trust-list-written' });
    });
  } else if (m.type === 'report') {
    const s = run.traffic.stats;
    const parks = [...parksPerBay.values()];
    tellParent({
      type: 'report',
      traffic: {
        arrivals: s.arrivals,
        turnedAway: s.turnedAway,
        scans: s.scans,
        through: s.through,
        backedOff: s.backedOff,
        decisions: Object.fromEntries(s.decisions),
        parked: s.parked,
        inYard: s.inYard,
        samples: s.samples,
        negatives: s.negatives,
        positives: s.positives,
        pcrResults,
        movedToIsolation: s.movedToIsolation,
        unblocked,
        leftYard: s.leftYard,
        gaveUpAtExit: s.total(s.gaveUpAtExit),
        gaveUpAtExitBy: Object.fromEntries(s.gaveUpAtExit),
        laneOverrides: s.laneOverrides,
        staffFailures: s.staffFailures,
        staffFailuresBy: Object.fromEntries(s.staffFailuresByAction),
        faults: Object.fromEntries(s.faults),
        trustListWrites,
      },
      bays: {
        used: parks.length,
        turnedOverTwice: parks.filter((n) => n >= 2).length,
        maxParks: parks.length ? Math.max(...parks) : 0,
      },
    });
  }
});

await untilParentSays('stop');
run.stop();
await link.close();
await site.stop();
process.exit(0);
