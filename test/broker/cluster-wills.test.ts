import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { connect, onCleanup, startBroker, stopAll } from '../support/broker-harness.ts';
import { freePort, RedisServer } from './redis-server.ts';

/**
 * Last wills in a cluster (a real redis-server; a node in a process of its own, killed with
 * SIGKILL): a client that has connected again, to another node, keeps the presence it published
 * there; its old connection's will does not overwrite it, neither when the dead node's wills are
 * published by a survivor nor when a live node closes the old connection on a takeover. A client
 * that does not come back still gets its will published.
 */
const HEARTBEAT_MS = 1000;
const children: ChildProcess[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  await stopAll();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const r of servers.splice(0)) await r.stop();
});

async function redis(): Promise<RedisServer> {
  const r = new RedisServer(await freePort());
  servers.push(r);
  await r.start();
  return r;
}

async function childNode(redisUrl: string): Promise<{ url: string; kill: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./broker-child.ts', import.meta.url).pathname,
      redisUrl,
      String(HEARTBEAT_MS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    kill: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const presence = (id: string) => `gatepost/demo/test/presence/${id}`;

/** A client with a retained `offline` will that says `online` (retained) once connected. */
async function presentClient(url: string, id: string): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId: id,
    reconnectPeriod: 0,
    will: { topic: presence(id), payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  onCleanup(() => client.end(true));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.publishAsync(presence(id), 'online', { qos: 1, retain: true });
  return client;
}

/** What a new subscriber sees retained on each presence topic. */
async function retainedPresence(broker: EmbeddedBroker): Promise<Record<string, string>> {
  const reader = await connect(broker.url ?? '', { clientId: `reader-${Math.random()}` });
  const seen: Record<string, string> = {};
  reader.on('message', (t, p) => {
    seen[t.split('/').at(-1) ?? ''] = p.toString();
  });
  await reader.subscribeAsync('gatepost/demo/test/presence/+', { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  await reader.endAsync();
  return seen;
}

describe('last wills in a cluster', () => {
  it("does not publish a dead node's will of a client now connected to another node", async () => {
    const r = await redis();
    const survivor = await startBroker({
      cluster: { enabled: true, redisUrl: r.url, heartbeatMs: HEARTBEAT_MS },
    });
    const doomed = await childNode(r.url);
    const movers = await presentClient(doomed.url, 'mover');
    const stayer = await presentClient(doomed.url, 'leaver');
    movers.on('error', () => undefined);
    stayer.on('error', () => undefined);
    expect(await retainedPresence(survivor)).toEqual({ mover: 'online', leaver: 'online' });

    await doomed.kill();
    // The mover reconnects at once to the survivor and says online there; the leaver does not come back.
    await presentClient(survivor.url ?? '', 'mover');
    // A node started after that has not seen the mover connect: it learns it from the mover's
    // will stored under the survivor (the shared persistence).
    const late = await startBroker({
      cluster: { enabled: true, redisUrl: r.url, heartbeatMs: HEARTBEAT_MS },
    });
    // Dead after three silent beats; the survivor looks for its wills every four beats. The
    // leaver's will shows that they were looked for.
    let seen = await retainedPresence(survivor);
    const deadline = Date.now() + 15_000;
    while (seen.leaver !== 'offline' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, HEARTBEAT_MS));
      seen = await retainedPresence(survivor);
    }
    expect(seen).toEqual({ mover: 'online', leaver: 'offline' });
    expect(await retainedPresence(late)).toEqual({ mover: 'online', leaver: 'offline' });
  });

  it("does not publish an old connection's will when its client id takes the session over on another node", async () => {
    const r = await redis();
    const cluster = { enabled: true, redisUrl: r.url, heartbeatMs: HEARTBEAT_MS };
    const a = await startBroker({ cluster });
    const b = await startBroker({ cluster });
    const old = await presentClient(a.url ?? '', 'tablet');
    old.on('error', () => undefined);
    // A session with subscriptions: node A takes a while to close it (they are removed from Redis
    // first), so its will comes after the new connection's `online` (without the check, the
    // retained presence ended `offline` in 2 runs of 3).
    await old.subscribeAsync(
      Array.from({ length: 60 }, (_, i) => `gatepost/demo/test/sub/${i}`),
      { qos: 1 },
    );
    const closedOld = new Promise<void>((resolve) => old.once('close', () => resolve()));
    await presentClient(b.url ?? '', 'tablet');
    await closedOld;
    await new Promise((res) => setTimeout(res, 1000));
    expect(await retainedPresence(a)).toEqual({ tablet: 'online' });
    expect(await retainedPresence(b)).toEqual({ tablet: 'online' });
  });
});
