import { ScaledClock } from '../../core/clock.ts';
import { errorMessage, isGatepostError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import type { GpioChip } from '../../devices/gpio/gpio.ts';
import { createOnoffChip } from '../../devices/gpio/onoff-chip.ts';
import { virtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { SerialPortOpener } from '../../devices/serial/serialport-opener.ts';
import { startGateway } from '../app.ts';
import { CONFIG_RESTART_EXIT_CODE } from '../downlink/config-apply.ts';
import { ConfigTrial } from '../downlink/config-trial.ts';
import { raiseToRealtime } from '../ops/realtime.ts';
import { configFromArgs, DEFAULT_CONFIG, untilSignal, wantsHelp } from './options.ts';

const USAGE = `usage: gatepost start [--config FILE]

Runs the gateway until SIGINT or SIGTERM: the embedded broker (unless broker.url names another),
the lanes' devices, the yard, the store, the uplink, the web pages and /metrics of the config
(default config/demo.yaml). With simulation.enabled (the demo) the simulated devices and their
traffic run in this process too. Exit status: 0 after a clean stop, 1 on a bad config or a failed start,
${CONFIG_RESTART_EXIT_CODE} after a config from the central office was swapped in or rolled back (docs/downlink.md:
the service manager starts it again on the file now in place).
`;

/**
 * `gatepost start [--config FILE]`: the gateway until Ctrl-C. With `simulation.enabled` in the
 * config (the demo), the simulated devices and their traffic run in this process too.
 */
export async function startCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  // A config from the downlink under trial: rolled back if it does not load, start or get ready.
  const trial = ConfigTrial.fromArgs(argv, DEFAULT_CONFIG);
  const config = configFromArgs(argv, err, USAGE);
  if (!config) {
    if (!trial.onTrial) return 1;
    trial.rollBack('the new config did not load');
    return CONFIG_RESTART_EXIT_CODE;
  }
  const log = createLogger();
  const clock = new ScaledClock(config.simulation.enabled ? config.simulation.timeScale : 1);
  let serial: import('../../devices/serial/link.ts').SerialOpener = new SerialPortOpener();
  let simulation: { stop(): Promise<void> } | undefined;
  try {
    if (config.simulation.enabled) {
      const { startDemoSimulation } = await import('../../sim/demo.ts');
      const sim = await startDemoSimulation({ config, clock, log: log.child({ part: 'sim' }) });
      simulation = sim;
      if (sim.opener) serial = sim.opener;
    }
    const gateway = await startGateway({ config, clock, log, serial, gpio: gpioFor, configFile: trial.link });
    const readyWithin = config.downlink.configReadyTimeoutSeconds * 1000;
    if (!(await trial.await(gateway.ops.readiness.whenReady(), readyWithin, log))) {
      await gateway.stop();
      await simulation?.stop();
      return CONFIG_RESTART_EXIT_CODE;
    }
    // Not with the simulator in this process (the demo): its devices and traffic would run on the
    // real-time thread too and could hold a core; they stand in for hardware, not for the lanes.
    if (!config.simulation.enabled) await raiseToRealtime(config.ops.realtime, log);
    else log.info('simulation in this process: the lanes stay under normal scheduling');
    const sig = await Promise.race([untilSignal(), trial.restartRequested]);
    log.info({ signal: sig }, 'shutting down');
    await gateway.stop();
    await simulation?.stop();
    return sig === 'SIGINT' || sig === 'SIGTERM' ? 0 : CONFIG_RESTART_EXIT_CODE;
  } catch (e) {
    await simulation?.stop();
    if (trial.onTrial) {
      trial.rollBack(`the gateway did not start on the new config: ${errorMessage(e)}`, log);
      err.write(`gatepost start: ${errorMessage(e)}; the last good config is back\n`);
      return CONFIG_RESTART_EXIT_CODE;
    }
    if (!isGatepostError(e)) throw e;
    err.write(`gatepost start: ${e.message}\n`);
    return 1;
  }
}

const realChips = new Map<string, GpioChip>();

/** Virtual chips for the simulator; anything else is a real chip driven with onoff (sysfs). */
function gpioFor(chip: string): GpioChip {
  if (chip === 'virtual' || chip.startsWith('virtual-')) return virtualGpioChip(chip);
  let real = realChips.get(chip);
  if (!real) {
    real = createOnoffChip(chip);
    realChips.set(chip, real);
  }
  return real;
}
