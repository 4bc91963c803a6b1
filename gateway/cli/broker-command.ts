import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { isGatepostError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../mqtt/acl-roles.ts';
import { configFromArgs, untilSignal, wantsHelp } from './options.ts';

const USAGE = `usage: gatepost broker [--config FILE]

Runs only the embedded MQTT broker of the config (default config/demo.yaml): its listeners,
users file, ACL and limits, until SIGINT or SIGTERM (docs/security.md).
`;

/** `gatepost broker [--config FILE]`: only the MQTT broker, until Ctrl-C. */
export async function brokerCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  const cfg = configFromArgs(argv, err, USAGE);
  if (!cfg) return 1;
  const log = createLogger();
  try {
    const broker = await startEmbeddedBroker({ ...cfg.broker, site: cfg.site.id, acl: GATEPOST_ACL, log });
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
