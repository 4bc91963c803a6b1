import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * The embedded broker alone in a process, as the gateway starts it (security hooks, limits,
 * anonymous loopback clients allowed), on a free loopback port. Tells the parent `listening`
 * with the port; stops on `stop` or SIGTERM.
 */
const broker = await startEmbeddedBroker({
  tcp: { enabled: true, host: '127.0.0.1', port: 0 },
  websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
  log: silentLogger(),
  acl: GATEPOST_ACL,
  allowAnonymousLoopback: true,
  // The bench clients publish far above the per-client packet rate meant for kiosks.
  limits: { maxPacketsPerSecond: 1e9 },
});
tellParent({ type: 'listening', port: broker.tcpPort });
await untilParentSays('stop');
await broker.close();
process.exit(0);
