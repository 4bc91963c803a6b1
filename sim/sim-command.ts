import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { wantsHelp } from '../core/cli-args.ts';
import { ScaledClock } from '../core/clock.ts';
import { errorMessage, isGatepostError } from '../core/errors.ts';
import { loadConfigFile } from '../site-config/load.ts';
import type { SiteConfig } from '../site-config/schema.ts';
import { runDeviceConsole } from './device-console.ts';
import { parseDuration } from './scenario/duration.ts';
import { parseFaultSpec } from './scenario/fault-spec.ts';
import { checkScenarioAgainstSite, loadScenarioFile } from './scenario/load.ts';
import { SimulationRun } from './scenario/run.ts';
import { summaryLine, summaryScreen } from './scenario/summary.ts';
import { SimulatedSite } from './site.ts';
import { brokerUrlOf, MqttGatewayLink } from './traffic/mqtt-gateway-link.ts';
import { formatEvent } from './traffic/sim-events.ts';

/** The gateway's default site config too (gateway/cli/options.ts), relative to the working directory. */
const DEFAULT_CONFIG = 'config/demo.yaml';

const USAGE = `usage: gatepost sim [--scenario FILE] [--config FILE] [--seed N] [--time-scale X]
                    [--duration D] [--fault SPEC ...] [--broker URL | --no-broker]
                    [--username U --password P] [--gpio ADDRESS|none] [--events FILE]
                    [--interval SECONDS]
       gatepost sim --console [--config FILE] [--time-scale X] [--gpio ADDRESS|none] [--quiet]

Runs the simulated devices of a site config over PTYs (at the config's serial paths) with the
traffic and faults of a scenario, for a gateway started separately with the same config and
simulation.enabled: false. Prints a live summary; Ctrl-C stops it.

  --scenario    scenario file (default sim/scenarios/normal-day.yaml)
  --config      site config (default ${DEFAULT_CONFIG})
  --seed        seed of all randomness (default: the scenario's, else simulation.seed)
  --time-scale  simulated time runs X times faster (default: the scenario's, else the config's)
  --duration    stop after this much simulated time (e.g. 2h, 00:30:00); default the scenario's
  --fault       inject a fault: KIND[,key=value...], e.g. unplug,lane=east-1,device=scanner,for=30s
                (at=HH:MM:SS to schedule it; now by default); repeatable
  --broker      the gateway's broker, to see decisions and act as yard staff
                (default: the config's broker); --no-broker to watch nothing
  --gpio        serve the virtual GPIO chips here (default unix:var/sim/gpio.sock; "none" to not)
  --events      append every device, fault, truck and gateway event to FILE, one line each
  --interval    summary refresh, seconds (default 1 on a terminal, 10 otherwise)
  --console     the devices alone, no traffic: console commands on stdin (type "help") to
                unplug, jam or babble a device by hand; --quiet: no console (under a supervisor)
`;

const DEFAULT_SCENARIO = join(import.meta.dirname, 'scenarios', 'normal-day.yaml');

/** `gatepost sim`: the devices, traffic and faults of a site, against a gateway started separately. */
export async function simCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
  } catch (e) {
    err.write(`gatepost sim: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  if (values.console) return deviceConsole(values, out, err);
  const number = (name: string, text: string | undefined, ok: (n: number) => boolean): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !ok(n)) throw new UsageError(`--${name} ${text} is not valid`);
    return n;
  };

  let setup: Setup;
  try {
    // Usage first, then the files.
    const seedArg = number('seed', values.seed, Number.isInteger);
    const scaleArg = number('time-scale', values['time-scale'], (n) => n > 0 && n <= 10_000);
    const interval = number('interval', values.interval, (n) => n > 0);
    const durationArg = values.duration === undefined ? undefined : parseDuration(values.duration);
    if (values.duration !== undefined && !(durationArg !== undefined && durationArg > 0)) {
      throw new UsageError(`--duration ${values.duration} is not a duration`);
    }
    const config = loadConfigFile(values.config ?? DEFAULT_CONFIG);
    const scenarioFile = values.scenario ?? DEFAULT_SCENARIO;
    const scenario = loadScenarioFile(scenarioFile);
    for (const spec of values.fault ?? []) scenario.timeline.push(parseFaultSpec(spec));
    checkScenarioAgainstSite(scenario, config, scenarioFile);
    if (durationArg !== undefined) scenario.duration = durationArg;
    const seed = seedArg ?? scenario.seed ?? config.simulation.seed;
    const timeScale = scaleArg ?? scenario.timeScale ?? config.simulation.timeScale;
    const broker = values['no-broker'] ? undefined : (values.broker ?? brokerUrlOf(config));
    setup = { config, scenario, scenarioFile, seed, timeScale, interval, broker };
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`gatepost sim: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (!isGatepostError(e)) throw e;
    err.write(`gatepost sim: ${e.message}\n`);
    return 1;
  }
  return run(setup, values, out, err);
}

class UsageError extends Error {}

/** `--console`: the devices alone, with a console on stdin (sim/device-console.ts). */
async function deviceConsole(
  values: ReturnType<typeof parseOptions>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let config: SiteConfig;
  try {
    config = loadConfigFile(values.config ?? DEFAULT_CONFIG);
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    err.write(`gatepost sim: ${e.message}\n`);
    return 1;
  }
  const scale = values['time-scale'];
  if (scale !== undefined) {
    const n = Number(scale);
    if (scale.trim() === '' || !(n > 0 && n <= 10_000)) {
      err.write(`gatepost sim: --time-scale ${scale} is not valid\n\n${USAGE}`);
      return 2;
    }
    config.simulation.timeScale = n;
  }
  return runDeviceConsole(config, { gpio: values.gpio, quiet: values.quiet }, out);
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      config: { type: 'string', short: 'c' },
      seed: { type: 'string' },
      'time-scale': { type: 'string' },
      duration: { type: 'string' },
      fault: { type: 'string', multiple: true },
      broker: { type: 'string' },
      'no-broker': { type: 'boolean', default: false },
      username: { type: 'string' },
      password: { type: 'string' },
      gpio: { type: 'string', default: 'unix:var/sim/gpio.sock' },
      events: { type: 'string' },
      interval: { type: 'string' },
      console: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}

interface Setup {
  config: ReturnType<typeof loadConfigFile>;
  scenario: ReturnType<typeof loadScenarioFile>;
  scenarioFile: string;
  seed: number;
  timeScale: number;
  interval: number | undefined;
  broker: string | undefined;
}

async function run(
  s: Setup,
  values: { gpio?: string; username?: string; password?: string; events?: string },
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const clock = new ScaledClock(s.timeScale);
  const gpio = values.gpio && values.gpio !== 'none' ? values.gpio : undefined;
  const site = new SimulatedSite(s.config, { attach: 'pty', clock, ...(gpio ? { gpioServer: gpio } : {}) });
  const link = s.broker
    ? new MqttGatewayLink({
        url: s.broker,
        site: s.config.site.id,
        staffId: values.username ?? s.scenario.traffic.yard.staffId,
        ...(values.username !== undefined ? { username: values.username } : {}),
        ...(values.password !== undefined ? { password: values.password } : {}),
      })
    : undefined;
  const sim = new SimulationRun({
    site,
    scenario: s.scenario,
    seed: s.seed,
    clock,
    ...(link ? { link } : {}),
  });
  let events: WriteStream | undefined;
  try {
    if (values.events) {
      const file = createWriteStream(values.events, { flags: 'a' });
      events = file;
      sim.log.onEvent((e) => file.write(`${formatEvent(e)}\n`));
    }
    const trustListPath = s.config.passes.trustListPath;
    if (trustListPath) await sim.writeTrustList(trustListPath);
    await site.start();
    const tty = (out as NodeJS.WriteStream).isTTY === true;
    out.write(
      `simulating ${site.devices().length} devices of site ${s.config.site.id} over PTYs; ` +
        `scenario ${s.scenario.name ?? s.scenarioFile}, seed ${s.seed}, ×${s.timeScale}\n` +
        (trustListPath ? `trust list for the simulator's passes: ${trustListPath}\n` : '') +
        (site.gpioServerAddress ? `virtual GPIO chips served at ${site.gpioServerAddress}\n` : ''),
    );
    sim.start();
    const header = {
      site: s.config.site.id,
      scenario: s.scenario.name ?? s.scenarioFile,
      seed: s.seed,
      timeScale: s.timeScale,
    };
    const draw = () => {
      const live = { broker: s.broker, connected: link?.connected ?? false };
      if (tty)
        out.write(
          `\x1b[H\x1b[2J${summaryScreen(sim, { ...header, ...live }, terminalWidth(out)).join('\n')}\n`,
        );
      else out.write(`${summaryLine(sim, live)}\n`);
    };
    const timer = setInterval(draw, (s.interval ?? (tty ? 1 : 10)) * 1000);
    const signal = await untilDoneOrSignal(sim.finished);
    clearInterval(timer);
    sim.stop();
    draw();
    if (signal) out.write(`stopped by ${signal}\n`);
    return 0;
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    err.write(`gatepost sim: ${e.message}\n`);
    return 1;
  } finally {
    sim.stop();
    await link?.close();
    await site.stop();
    await new Promise<void>((resolve) => (events ? events.end(resolve) : resolve()));
  }
}

/** Resolves with the signal's name on SIGINT/SIGTERM, or undefined when `done` resolves first; removes its listeners. */
function untilDoneOrSignal(done: Promise<void>): Promise<NodeJS.Signals | undefined> {
  return new Promise((resolve) => {
    const finish = (sig: NodeJS.Signals | undefined) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(sig);
    };
    const onSignal = (sig: NodeJS.Signals) => finish(sig);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void done.then(() => finish(undefined));
  });
}

function terminalWidth(out: NodeJS.WritableStream): number {
  return Math.max(60, (out as NodeJS.WriteStream).columns ?? 100);
}
