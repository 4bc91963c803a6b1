import type { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrokerThread } from '../../broker/broker-thread.ts';
import type { LocalBroker } from '../../broker/local-broker.ts';
import { newRunSecrets } from '../../broker/local-broker.ts';
import { silentLogger } from '../../core/logger.ts';

let broker: LocalBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

const start = () =>
  startBrokerThread({
    tcp: { enabled: true, host: '127.0.0.1', port: 0 },
    websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
    log: silentLogger(),
    site: 'demo',
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

  it('refuses to start on a taken port, naming the config field', async () => {
    broker = await start();
    const taken = broker.tcpPort ?? 0;
    const second = startBrokerThread({
      tcp: { enabled: true, host: '127.0.0.1', port: taken },
      websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
      log: silentLogger(),
      nice: 10,
      secrets: newRunSecrets(),
    });
    await expect(second).rejects.toThrow(/broker\.tcp\.port/);
  });
});
