import { startLoopbackBroker } from '../support/loopback-broker.ts';

/**
 * The embedded broker in a process of its own, for tests that kill it (SIGKILL) the way a power
 * cut would, or measure its memory apart from the test's own:
 * `node --import tsx broker-child.ts [<redisUrl> <heartbeatMs>]` (a cluster node with a Redis URL,
 * a lone broker without). Prints its TCP port on a line once it listens.
 */
const [redisUrl, heartbeatMs = '5000'] = process.argv.slice(2);
const broker = await startLoopbackBroker({
  site: 'demo',
  ...(redisUrl ? { cluster: { enabled: true, redisUrl, heartbeatMs: Number(heartbeatMs) } } : {}),
});
process.stdout.write(`${JSON.stringify({ port: broker.tcpPort })}\n`);
