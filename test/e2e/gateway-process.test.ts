import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { AnyRecordSchema } from '../../gateway/mqtt/record.ts';
import {
  demoConfigForTest,
  type GatewayProcess,
  gatewayConfigFor,
  spawnGateway,
} from '../support/gateway-process.ts';
import { startLoopbackBroker } from '../support/loopback-broker.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function track(gw: GatewayProcess): GatewayProcess {
  cleanup.push(() => gw.stop());
  return gw;
}

describe('the gatepost process', () => {
  it('runs the demo: scans from simulated scanners appear on the broker; Ctrl-C leaves a clean offline state', async () => {
    const config = demoConfigForTest();
    // The simulated traffic 5x faster: its first truck scans after about a second, not six.
    config.simulation = { ...config.simulation, timeScale: 5 };
    const gw = track(spawnGateway(config));
    const listening = await gw.waitForLog((l) => l.msg === 'broker listening');
    await gw.waitForLog((l) => l.msg === 'gateway ready');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.tcpPort}`);
    cleanup.push(() => client.endAsync());
    // Every state in the order it came: the retained `online` may come after the first scan.
    const states: unknown[] = [];
    const scan = new Promise<unknown>((resolve) =>
      client.on('message', (topic, payload) => {
        if (topic.endsWith('/scan')) resolve(JSON.parse(payload.toString()));
        if (topic === 'gatepost/demo/gateway/state') states.push(JSON.parse(payload.toString()));
      }),
    );
    await client.subscribeAsync('gatepost/demo/#', { qos: 1 });
    expect(AnyRecordSchema.parse(await scan)).toMatchObject({ type: 'scan', site: 'demo' });

    gw.child.kill('SIGINT');
    // The broker goes down with the process; what it said last is `offline`/`shutdown`.
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    // On a miss, say what the gateway logged while it stopped.
    const from = gw.logs.findIndex((l) => l.msg === 'shutting down');
    const stopping = gw.logs.slice(Math.max(0, from)).map((l) => `${l.level} ${l.part ?? ''} ${l.msg}`);
    expect(states.at(-1), `states ${JSON.stringify(states)}; log ${stopping.join(' | ')}`).toMatchObject({
      state: 'offline',
      reason: 'shutdown',
    });
  });

  it('when the gateway dies, the broker publishes its last will: offline, lost', async () => {
    const broker: EmbeddedBroker = await startLoopbackBroker();
    cleanup.push(() => broker.close());
    const gw = track(spawnGateway(gatewayConfigFor(broker)));
    await gw.ready();

    const watcher = await mqtt.connectAsync(broker.url ?? '');
    cleanup.push(() => watcher.endAsync());
    const states: Record<string, unknown>[] = [];
    watcher.on('message', (_t, p) => states.push(JSON.parse(p.toString())));
    await watcher.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    await expect.poll(() => states.at(-1)?.state).toBe('online');

    gw.child.kill('SIGKILL');
    await gw.exited;
    await expect
      .poll(() => states.at(-1), { timeout: 5000 })
      .toMatchObject({ state: 'offline', reason: 'lost' });
  });

  it('refuses an invalid config with the field path and exits 1', async () => {
    const config = demoConfigForTest();
    config.checkpoints[0].lanes[0].devices.thermometer.slaveAddress = 300;
    const gw = track(spawnGateway(config));
    const { code } = await gw.exited;
    expect(code).toBe(1);
    expect(gw.stderr()).toContain(
      'checkpoints[0].lanes[0].devices.thermometer.slaveAddress: must be at most 247',
    );
  });

  it('names the port and the config field when the broker port is taken', async () => {
    const squatter = await startLoopbackBroker();
    cleanup.push(() => squatter.close());
    const config = demoConfigForTest();
    config.broker.tcp.port = squatter.tcpPort;
    const gw = track(spawnGateway(config));
    const { code } = await gw.exited;
    expect(code).toBe(1);
    expect(gw.stderr()).toContain(
      `port ${squatter.tcpPort} on 127.0.0.1 is already in use by another program`,
    );
    expect(gw.stderr()).toContain('change broker.tcp.port in the config');
    expect(gw.stderr()).not.toContain('    at ');
  });
});
