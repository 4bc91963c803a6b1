import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { silentLogger } from '../../core/logger.ts';

/**
 * One cluster node in a process of its own, for tests that kill a node (SIGKILL) the way a power
 * cut would: `node --import tsx cluster-node-child.ts <redisUrl> <heartbeatMs>`. Prints its TCP
 * port on a line once it listens.
 */
const [redisUrl = '', heartbeatMs = '5000'] = process.argv.slice(2);
const broker = await startEmbeddedBroker({
  tcp: { enabled: true, host: '127.0.0.1', port: 0 },
  websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
  log: silentLogger(),
  site: 'demo',
  cluster: { enabled: true, redisUrl, heartbeatMs: Number(heartbeatMs) },
});
process.stdout.write(`${JSON.stringify({ port: broker.tcpPort })}\n`);
