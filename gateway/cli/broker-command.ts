import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { isGatepostError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { configFromArgs, untilSignal } from './options.ts';

/** `gatepost broker [--config FILE]`: only the MQTT broker, until Ctrl-C. */
export async function brokerCommand(argv: string[], _out: NodeJS.WritableStream, err: NodeJS.WritableStream) {
  const cfg = configFromArgs(argv, err);
  if (!cfg) return 1;
  const log = createLogger();
  try {
    const broker = await startEmbeddedBroker({ ...cfg.broker, site: cfg.site.id, log });
    const sig = await untilSignal();
    log.info({ signal: sig }, 'stopping broker');
    await broker.close();
    return 0;
  } catch (e) {
    if (!isGatepostError(e)) throw e;
    err.write(`gatepost broker: ${e.message}\n`);
    return 1;
  }
}
