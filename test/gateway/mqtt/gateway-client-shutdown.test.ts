import net from 'node:net';
import memoryPersistence from 'aedes-persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTDOWN_ECHO_MS } from '../../../gateway/mqtt/gateway-client.ts';
import {
  connect,
  connectGatewayClient,
  onCleanup,
  startBroker,
  stopAll,
} from '../../support/broker-harness.ts';

afterEach(stopAll);

/** Aedes' in-memory store, its retained writes of a state matching `slow` held back `ms`: a busy broker thread. */
function slowRetained(slow: (payload: string) => boolean, ms: number) {
  // Aedes 1's persistence is promise-based; the package's types still describe callbacks.
  type Retained = { payload: Buffer | string };
  const p = (memoryPersistence as unknown as () => { storeRetained(packet: Retained): Promise<void> })();
  const store = p.storeRetained.bind(p);
  p.storeRetained = async (packet) => {
    if (slow(packet.payload.toString())) await new Promise((r) => setTimeout(r, ms));
    return store(packet);
  };
  return p;
}

const stateOf = (p: Buffer) => {
  const s = JSON.parse(p.toString()) as { state: string; reason: string };
  return `${s.state}/${s.reason}`;
};

/**
 * Aedes answers a QoS 1 PUBLISH before it hands it on: a gateway that disconnected and closed
 * its embedded broker at the PUBACK of its `offline` could close it before any subscriber had
 * it (on a loaded box, `Ctrl-C` left the kiosks' last word `online`).
 */
describe('gateway client: a clean stop is heard by the subscribers before the broker closes', () => {
  async function setup(delayMs: number) {
    const broker = await startBroker({
      aedes: { persistence: slowRetained((s) => s.includes('"shutdown"'), delayMs) as never },
    });
    const screen = await connect(broker.url ?? '');
    const states: string[] = [];
    screen.on('message', (_t, p) => {
      const s = JSON.parse(p.toString()) as { state: string; reason: string };
      states.push(`${s.state}/${s.reason}`);
    });
    await screen.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    const gateway = await connectGatewayClient(broker);
    await expect.poll(() => states).toEqual(['online/started']);
    return { broker, gateway, states };
  }

  it('its offline/shutdown reaches a subscriber although the broker hands it on 400 ms after its PUBACK', async () => {
    const { broker, gateway, states } = await setup(400);
    await gateway.stop();
    // The gateway's process closes its embedded broker right after (gateway/app.ts's stop order).
    await broker.close();
    expect(states).toEqual(['online/started', 'offline/shutdown']);
  });

  it('a broker that never hands it on holds the stop for SHUTDOWN_ECHO_MS, not longer', async () => {
    const { gateway } = await setup(60_000);
    const t0 = performance.now();
    await gateway.stop();
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(SHUTDOWN_ECHO_MS - 50);
    expect(ms).toBeLessThan(SHUTDOWN_ECHO_MS + 1500);
  });

  it('a link that drops during the wait: the stop ends at once, and the last word stays offline (not online/reconnected)', async () => {
    const broker = await startBroker({
      aedes: { persistence: slowRetained((p) => p.includes('"shutdown"'), 300) as never },
    });
    // The gateway reaches the broker through a relay this test can cut.
    const target = new URL(broker.url ?? '');
    const links: net.Socket[] = [];
    const relay = net.createServer((down) => {
      const up = net.connect(Number(target.port), target.hostname);
      links.push(down, up);
      down.pipe(up).pipe(down);
      for (const [a, b] of [
        [down, up],
        [up, down],
      ] as const) {
        a.on('error', () => undefined);
        a.on('close', () => b.destroy());
      }
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise<void>((r) => relay.close(() => r())));
    const gateway = await connectGatewayClient(
      broker,
      `mqtt://127.0.0.1:${(relay.address() as net.AddressInfo).port}`,
    );
    const screen = await connect(broker.url ?? '');
    const states: string[] = [];
    screen.on('message', (_t, p) => states.push(stateOf(p)));
    await screen.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    const t0 = performance.now();
    const stopped = gateway.stop();
    setTimeout(() => {
      for (const l of links) l.destroy();
    }, 100);
    await stopped;
    // It did not wait out SHUTDOWN_ECHO_MS, nor reconnect (mqtt.js retries after 1 s) to say online.
    expect(performance.now() - t0).toBeLessThan(SHUTDOWN_ECHO_MS - 500);
    await new Promise((r) => setTimeout(r, 1500));
    expect(states.at(-1)).toMatch(/^offline\//);
    expect(states).not.toContain('online/reconnected');
    const late = await connect(broker.url ?? '');
    const retained: string[] = [];
    late.on('message', (_t, p) => retained.push(stateOf(p)));
    await late.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    await expect.poll(() => retained).toHaveLength(1);
    expect(retained[0]).toMatch(/^offline\//);
  });
});
