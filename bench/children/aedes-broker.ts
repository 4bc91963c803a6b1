import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { emptyUsersFile, upsertUser, writeUsersFile } from '../../broker/users-file.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * A broker alone in a process, on a free loopback port, in one of three modes (argv[2]):
 *   secure (default): the embedded broker as the gateway starts it, with its security on: a
 *     users file, no anonymous clients, every CONNECT authenticated and every publish and
 *     subscription checked against the ACL. The publisher logs in as the gateway (its own
 *     credentials, as the gateway's process does), the subscriber as an `uplink` user (the
 *     central office, a bulk reader); the topic is under the gateway's own namespace.
 *   anonymous: the embedded broker with anonymous loopback clients (its hooks and limits still
 *     run; the ACL's loopback row applies), on the topic `bench/flood`.
 *   bare: Aedes alone (no hooks, no guard, no limits) on a plain TCP server, `bench/flood`.
 * Tells the parent `listening` with the port, the topic and the credentials of each side;
 * stops on `stop` or SIGTERM.
 */
const mode = process.argv[2] ?? 'secure';
const SITE = 'bench';
const UPLINK = { name: 'U9001', password: 'bench-uplink-password-1' };

let close: () => Promise<void>;
if (mode === 'bare') {
  const aedes = new Aedes();
  await aedes.listen();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    server.close();
  };
  const port = (server.address() as { port: number }).port;
  tellParent({ type: 'listening', port, topic: 'bench/flood' });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-broker-bench-'));
  const usersFile = join(dir, 'users.json');
  if (mode === 'secure') {
    const data = await upsertUser(
      emptyUsersFile(),
      { name: UPLINK.name, role: 'uplink', secret: 'password' },
      UPLINK.password,
    );
    writeUsersFile(usersFile, data);
  }
  const broker = await startEmbeddedBroker({
    site: SITE,
    tcp: { enabled: true, host: '127.0.0.1', port: 0 },
    websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
    log: silentLogger(),
    acl: GATEPOST_ACL,
    allowAnonymousLoopback: mode !== 'secure',
    ...(mode === 'secure' ? { usersFile } : {}),
    // The bench clients publish far above the per-client packet rate meant for kiosks.
    limits: { maxPacketsPerSecond: 1e9 },
  });
  close = async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  };
  tellParent({
    type: 'listening',
    port: broker.tcpPort,
    ...(mode === 'secure'
      ? {
          topic: `gatepost/${SITE}/gateway/flood`,
          publisher: { ...broker.gatewayCredentials, clientId: `gatepost-${SITE}-gateway` },
          subscriber: { username: UPLINK.name, password: UPLINK.password, clientId: `${UPLINK.name}-bench` },
        }
      : { topic: 'bench/flood' }),
  });
}
await untilParentSays('stop');
await close();
process.exit(0);
