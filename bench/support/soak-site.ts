import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { checkScenarioAgainstSite, parseScenario } from '../../sim/scenario/load.ts';
import { SimulationRun } from '../../sim/scenario/run.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { MqttGatewayLink } from '../../sim/traffic/mqtt-gateway-link.ts';
import { parseConfig } from '../../site-config/load.ts';
import { freePort } from '../../test/support/mosquitto.ts';
import { ROOT } from './child.ts';

export interface SoakSite {
  gateway: Gateway;
  site: SimulatedSite;
  run: SimulationRun;
  clock: ScaledClock;
  /** Every way the config and the scenario were adapted to the time scale. */
  adaptations: string[];
  stop(): Promise<void>;
}

const SCENARIO = 'sim/scenarios/normal-day.yaml';

/**
 * The demo site, its simulated devices in this process and the normal-day traffic, on a clock
 * `scale` times real time. At a scale of a thousand and more, seconds of clock time are
 * milliseconds of real time while the wire stays real (a 300-byte code takes 312 ms), so the
 * config and the traffic are adapted to keep every lane working (see `adaptations`).
 */
export async function startSoakSite(scale: number, seed = 1): Promise<SoakSite> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-soak-'));
  const raw = parseYaml(readFileSync(resolve(ROOT, 'config/demo.yaml'), 'utf8')) as Record<string, any>;
  const brokerPort = await freePort();
  raw.broker = { tcp: { host: '127.0.0.1', port: brokerPort }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  raw.ops = { enabled: true, host: '127.0.0.1', port: 0, clockCheck: { enabled: false } };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust-list.json') };
  raw.simulation = { enabled: true, attach: 'in-process', timeScale: scale, seed };
  // Clock ms (or clock s) that last the given real ms (or real s).
  const clock = (real: number) => Math.ceil(real * scale);
  for (const cp of raw.checkpoints) {
    for (const lane of cp.lanes) {
      lane.decisionTimeoutMs = Math.max(20_000, clock(2_000));
      // The driver's target is gone in milliseconds of real time: the west lanes measure no temperature.
      if (cp.id === 'west') delete lane.devices.thermometer;
    }
  }
  for (const lane of [...raw.checkpoints.flatMap((c: any) => c.lanes), ...raw.yard.exitLanes]) {
    lane.devices.barrier.travelTimeoutMs = 6000 + clock(250);
  }
  raw.yard.reservationTimeoutMin = Math.max(30, Math.ceil(clock(10) / 60));
  const adaptations = [
    'scanner inter-byte gap, serial barrier reply timeout and STATUS interval × scale (100 ms, 500 ms and 5 s real)',
    `lane decision timeout ${Math.max(20_000, clock(2_000)) / 1000} s of clock (2 s real): a scan takes 312 ms of real time`,
    'no thermometers at the west lanes (a driver leans out for 3-4.5 s of clock, milliseconds of real time, too short for one Modbus poll): their decisions follow the passes; the east lanes decide REVIEW for want of a temperature',
    'barrier travel timeout 6 s of clock plus 250 ms of real time (a serial OPEN alone is 5 ms on the wire, 7 s of clock at ×1440)',
    `yard reservation timeout ${raw.yard.reservationTimeoutMin} min of clock (10 s real: a bay sweep takes 2.5 s of real time)`,
    `traffic: ${SCENARIO} with a patience of ${clock(3)} s of clock (3 s real) and the yard staff swabbing 5-8 s of real time after a truck parks (so that a sweep has seen it)`,
  ];
  const config = parseConfig(raw);

  const scenarioRaw = parseYaml(readFileSync(resolve(ROOT, SCENARIO), 'utf8')) as Record<string, any>;
  delete scenarioRaw.duration;
  scenarioRaw.traffic.default.patience = clock(3);
  scenarioRaw.traffic.yard = { ...scenarioRaw.traffic.yard, sampleAfter: [clock(5), clock(8)] };
  const scenario = parseScenario(scenarioRaw, SCENARIO);
  checkScenarioAgainstSite(scenario, config, SCENARIO);

  const scaled = new ScaledClock(scale);
  const chips = new Map<string, VirtualGpioChip>();
  const gpio = (name: string) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!;
  const site = new SimulatedSite(config, { attach: 'in-process', clock: scaled, gpioChip: gpio });
  await site.start();
  // The link retries until the broker is up; the trust list is there before the gateway starts.
  const url = `mqtt://127.0.0.1:${brokerPort}`;
  const link = new MqttGatewayLink({ url, site: config.site.id, staffId: scenario.traffic.yard.staffId });
  const run = new SimulationRun({ site, scenario, seed, clock: scaled, link });
  await run.writeTrustList(join(dir, 'trust-list.json'));
  const gateway = await startGateway({
    config,
    clock: scaled,
    log: createLogger({ level: process.env.GATEPOST_LOG_LEVEL ?? 'error' }),
    serial: site.hub!,
    gpio,
  });
  return {
    gateway,
    site,
    run,
    clock: scaled,
    adaptations,
    async stop() {
      run.stop();
      await link.close();
      await gateway.stop();
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
