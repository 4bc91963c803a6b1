import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import { loadConfigFile } from '../site-config/load.ts';
import { runConsoleCommand } from './console.ts';
import { SimulatedSite } from './site.ts';

/**
 * Runs the simulated devices of a site config in their own process, over PTYs at the config's
 * serial paths, with the virtual GPIO chips served for a gateway started separately:
 *
 *   node --import tsx sim/cli.ts --config config/demo.yaml --gpio unix:var/sim/gpio.sock
 *
 * Then type console commands (`help`). Ctrl-C or SIGTERM stops every device and removes the PTYs.
 */
const USAGE = `usage: node --import tsx sim/cli.ts [--config <file>] [--gpio <unix:path|tcp:127.0.0.1:port>]
                                   [--time-scale <n>] [--quiet]
  --config      site config (default config/demo.yaml)
  --gpio        serve the virtual GPIO chips here (default unix:var/sim/gpio.sock; "none" to not)
  --time-scale  device time (barrier travel, thermometer settling) runs n times faster; wire
                timing (baud-rate pacing, Modbus silences) always stays real
  --quiet       no console on stdin (for running under a supervisor)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'config/demo.yaml' },
      gpio: { type: 'string', default: 'unix:var/sim/gpio.sock' },
      'time-scale': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfigFile(values.config);
  if (values['time-scale'] !== undefined) {
    const scale = Number(values['time-scale']);
    if (!(scale > 0))
      throw new GatepostError(
        ErrorCode.SimInputInvalid,
        `--time-scale must be a positive number, got ${values['time-scale']}`,
      );
    config.simulation.timeScale = scale;
  }
  const site = new SimulatedSite(config, {
    attach: 'pty',
    ...(values.gpio && values.gpio !== 'none' ? { gpioServer: values.gpio } : {}),
  });
  await site.start();
  console.log(`simulating ${site.devices().length} devices of site ${config.site.id} over PTYs`);
  console.log(await runConsoleCommand(site, 'status'));
  for (const bus of site.buses.values())
    console.log(`bay bus ${bus.id}: ${bus.port.path} (${bus.labels().length} sensors)`);
  if (site.gpioServerAddress) console.log(`virtual GPIO chips served at ${site.gpioServerAddress}`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await site.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  if (values.quiet) return;

  console.log('type "help" for commands');
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'sim> ' });
  rl.prompt();
  // One command at a time, in order (unplug then replug must not overlap).
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(async () => {
      const out = await runConsoleCommand(site, line);
      if (out) console.log(out);
      rl.prompt();
    });
  });
  rl.on('close', () => void queue.then(() => stop(0)));
}

main().catch((e: unknown) => {
  console.error(`simulator failed: ${errorMessage(e)}`);
  if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) console.error(USAGE);
  process.exit(1);
});
