import { dirname, join } from 'node:path';
import { ScaledClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import type { GpioChip } from '../../devices/gpio/gpio.ts';
import { RemoteGpioChip } from '../../devices/gpio/remote-chip.ts';
import { SerialPortOpener } from '../../devices/serial/serialport-opener.ts';
import { startGateway } from '../../gateway/app.ts';
import { raiseToRealtime } from '../../gateway/ops/realtime.ts';
import { loadConfigFile } from '../../site-config/load.ts';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * The gateway alone in its process, as on a box: serial ports opened by path (the simulator's
 * PTYs), GPIO barriers on the simulator's chips over the remote GPIO protocol. Loaded by
 * gateway-process.ts, the process's entry:
 *   node bin/run-bundled.js bench/children/gateway-process.ts <config> <epoch> <scale>
 * (built as the `gatepost` command is, so that its memory and start-up are a box's)
 * Tells `ready` once its readiness says so (broker listening, every device opened, state
 * published), with the time since this process started; stops cleanly on `stop` or SIGTERM.
 */
const [configFile = '', epochArg = '0', scaleArg = '1'] = process.argv.slice(2);
const epoch = Number(epochArg);
const scale = Number(scaleArg);
const config = loadConfigFile(configFile);
const clock = new ScaledClock(scale, epoch + (Date.now() - epoch) * scale);
const address = `unix:${join(dirname(configFile), 'gpio.sock')}`;

// Each GPIO chip the barriers use, connected with its input lines known before the gateway reads them.
const inputs = new Map<string, number[]>();
for (const lane of [...config.checkpoints.flatMap((c) => c.lanes), ...config.yard.exitLanes]) {
  const b = lane.devices.barrier;
  if (b.kind !== 'gpio') continue;
  // Every input line: the limit switches and each detector (lines.loop, presence, arming, reset).
  const detectors = [b.lines.loop, ...(b.presence ?? []).map((d) => d.line), b.arming?.line, b.reset?.line];
  const lines = [
    b.lines.limitOpen,
    b.lines.limitClosed,
    ...detectors.filter((l): l is number => l !== undefined),
  ];
  inputs.set(b.chip, [...(inputs.get(b.chip) ?? []), ...lines]);
}
const chips = new Map<string, RemoteGpioChip>();
for (const [chip, lines] of inputs) chips.set(chip, await RemoteGpioChip.connect({ address, chip, lines }));

const log = createLogger({ level: process.env.GATEPOST_LOG_LEVEL ?? 'warn' });
const gateway = await startGateway({
  config,
  clock,
  log,
  serial: new SerialPortOpener(),
  gpio: (name): GpioChip => {
    const chip = chips.get(name);
    if (!chip) throw new Error(`no GPIO chip ${name}`);
    return chip;
  },
});
await gateway.ops.readiness.whenReady();
// Ready here, as `gatepost start` is: it raises the lanes' thread to real time only after (and
// the bench's parent takes this moment, not the message's arrival after the raise, as ready).
const sinceProcessStartMs = performance.now();
const readyAtEpochMs = performance.timeOrigin + sinceProcessStartMs;
// As `gatepost start` does once ready (ops.realtime), before the parent starts any traffic.
const realtime = await raiseToRealtime(config.ops.realtime, log);
tellParent({
  type: 'ready',
  sinceProcessStartMs,
  readyAtEpochMs,
  readyAfterMs: gateway.ops.readiness.report().readyAfterMs,
  milestones: gateway.ops.readiness.report().milestones,
  // CPU time of every thread of the process so far (a busy machine stretches the wall time, not this).
  cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  opsUrl: gateway.ops.server?.url,
  brokerUrl: gateway.brokerUrl,
  realtime: realtime.priority,
});
// `memory`: the process's memory now, after a full GC when node runs with --expose-gc.
process.on('message', (m: { type?: string }) => {
  if (m?.type !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  tellParent({ type: 'memory', ...process.memoryUsage() });
});
await untilParentSays('stop');
await gateway.stop();
for (const chip of chips.values()) await chip.close();
process.exit(0);
