import { createInterface, type Interface } from 'node:readline';
import type { SiteConfig } from '../site-config/schema.ts';
import { runConsoleCommand } from './console.ts';
import { SimulatedSite } from './site.ts';

/**
 * `gatepost sim --console`: the simulated devices of a site config alone (no traffic, no
 * scenario), over PTYs at the config's serial paths, with the virtual GPIO chips served for a
 * gateway started separately; console commands typed on stdin (`help`). Ctrl-C, SIGTERM or the
 * end of stdin stops every device and removes the PTYs; resolves with the exit code then.
 * `quiet`: no console (for running under a supervisor); only a signal stops it.
 */
export async function runDeviceConsole(
  config: SiteConfig,
  o: { gpio: string | undefined; quiet: boolean },
  out: NodeJS.WritableStream,
): Promise<number> {
  const say = (line: string) => out.write(`${line}\n`);
  const site = new SimulatedSite(config, {
    attach: 'pty',
    ...(o.gpio && o.gpio !== 'none' ? { gpioServer: o.gpio } : {}),
  });
  await site.start();
  say(`simulating ${site.devices().length} devices of site ${config.site.id} over PTYs`);
  say(await runConsoleCommand(site, 'status'));
  for (const bus of site.buses.values())
    say(`bay bus ${bus.id}: ${bus.port.path} (${bus.labels().length} sensors)`);
  for (const p of site.printers.values()) say(`${p.name}: ${p.port.path}, receipts in ${p.outputDir}`);
  if (site.gpioServerAddress) say(`virtual GPIO chips served at ${site.gpioServerAddress}`);

  return new Promise<number>((resolve) => {
    let rl: Interface | undefined;
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      rl?.close();
      await site.stop();
      resolve(code);
    };
    const onSignal = () => void stop(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (o.quiet) return;

    say('type "help" for commands');
    const lines = createInterface({ input: process.stdin, output: process.stdout, prompt: 'sim> ' });
    rl = lines;
    lines.prompt();
    // One command at a time, in order (unplug then replug must not overlap).
    let queue = Promise.resolve();
    lines.on('line', (line) => {
      queue = queue.then(async () => {
        const reply = await runConsoleCommand(site, line);
        if (reply) say(reply);
        lines.prompt();
      });
    });
    lines.on('close', () => void queue.then(() => stop(0)));
  });
}
