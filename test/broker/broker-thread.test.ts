import type { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrokerThread } from '../../broker/broker-thread.ts';
import type { LocalBroker } from '../../broker/local-broker.ts';
import { newRunSecrets } from '../../broker/local-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { connectGatewayClient } from '../support/broker-harness.ts';
import { LOOPBACK_TCP_ONLY } from '../support/loopback-broker.ts';

let broker: LocalBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

const start = () =>
  startBrokerThread({
    ...LOOPBACK_TCP_ONLY,
    log: silentLogger(),
    site: 'demo',
    acl: GATEPOST_ACL,
    nice: 10,
    secrets: newRunSecrets(),
    restart: { initialMs: 100, maxMs: 200 },
  });

describe('the embedded broker on its own thread', () => {
  it('serves MQTT, reports its series, and comes back on the same port with the same secrets after its thread dies', async () => {
    broker = await start();
    const b = broker;
    expect(b.runs).toBe('thread');
    const port = b.tcpPort;
    expect(port).toBeGreaterThan(0);
    const creds = { ...b.gatewayCredentials, clientId: 'gatepost-demo-gateway' };
    const gateway = await mqtt.connectAsync(b.url ?? '', { ...creds, reconnectPeriod: 100 });
    let connects = 1;
    gateway.on('connect', () => connects++);
    expect(await b.metricsText()).toMatch(/gatepost_broker_clients 1/);

    // The thread dies (here: terminated from outside): it is started again on its port.
    const worker = (b as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await expect.poll(() => connects, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(b.tcpPort).toBe(port);
    expect(b.gatewayCredentials).toEqual({ username: creds.username, password: creds.password });
    const got = new Promise<string>((resolve) => gateway.once('message', (_t, p) => resolve(p.toString())));
    await gateway.subscribeAsync('gatepost/demo/gateway/state');
    await gateway.publishAsync('gatepost/demo/gateway/state', 'online', { qos: 1 });
    expect(await got).toBe('online');
    await gateway.endAsync(true);
  });

  it("after the thread's restart (an empty broker), the gateway's client says online again and publishes its retained state again", async () => {
    broker = await start();
    const b = broker;
    const client = await connectGatewayClient(b);
    await client.publish('gatepost/demo/lane/east-1/state', { lane: 'east-1', mode: 'auto' }, true);
    await client.publish('gatepost/demo/lane/east-1/scan', { not: 'retained' });
    expect(client.retainedTopics).toBe(2); // the gateway's state and the lane's
    // A payload that is not JSON is refused through the promise, never thrown at the caller.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(client.publish('gatepost/demo/lane/east-1/state', cyclic, true)).rejects.toThrow(/circular/);
    expect(client.retainedTopics).toBe(2);

    const worker = (b as unknown as { worker: Worker }).worker;
    await worker.terminate();
    // A page connecting afterwards finds both retained messages on the new broker.
    const seen = new Map<string, unknown>();
    await expect
      .poll(
        async () => {
          const page = await mqtt
            .connectAsync(b.url ?? '', { connectTimeout: 1000, reconnectPeriod: 0 })
            .catch(() => undefined);
          if (!page) return 0;
          page.on('message', (topic, payload, packet) => {
            if (packet.retain) seen.set(topic, JSON.parse(payload.toString()));
          });
          await page.subscribeAsync('gatepost/demo/#', { qos: 1 });
          await new Promise((r) => setTimeout(r, 200));
          await page.endAsync(true);
          return seen.size;
        },
        { timeout: 10_000, interval: 300 },
      )
      .toBe(2);
    expect(seen.get('gatepost/demo/gateway/state')).toMatchObject({ state: 'online', reason: 'reconnected' });
    expect(seen.get('gatepost/demo/lane/east-1/state')).toEqual({ lane: 'east-1', mode: 'auto' });

    // A will of this gateway published late (a cluster's surviving node sends a dead node's): the
    // gateway, still connected, says online again.
    const node = await mqtt.connectAsync(b.url ?? '', { reconnectPeriod: 0 });
    const states: { state: string; reason: string }[] = [];
    node.on('message', (_t, p) => states.push(JSON.parse(p.toString())));
    await node.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    const will = { state: 'offline', at: Date.now(), reason: 'lost', version: 'test' };
    await node.publishAsync('gatepost/demo/gateway/state', JSON.stringify(will), { qos: 1, retain: true });
    await expect
      .poll(() => states.at(-1), { timeout: 5_000 })
      .toMatchObject({ state: 'online', reason: 'reconnected' });
    // Its own clean offline at stop is not answered.
    await client.stop();
    await expect
      .poll(() => states.at(-1), { timeout: 5_000 })
      .toMatchObject({ state: 'offline', reason: 'shutdown' });
    await new Promise((r) => setTimeout(r, 300));
    expect(states.at(-1)).toMatchObject({ state: 'offline', reason: 'shutdown' });
    await node.endAsync(true);
  });

  it('refuses to start on a taken port, naming the config field', async () => {
    broker = await start();
    const taken = broker.tcpPort ?? 0;
    const second = startBrokerThread({
      tcp: { enabled: true, host: '127.0.0.1', port: taken },
      websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
      log: silentLogger(),
      acl: GATEPOST_ACL,
      nice: 10,
      secrets: newRunSecrets(),
    });
    await expect(second).rejects.toThrow(/broker\.tcp\.port/);
  });
});
