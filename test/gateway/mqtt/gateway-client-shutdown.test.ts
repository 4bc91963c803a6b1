import memoryPersistence from 'aedes-persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { GatewayClient, SHUTDOWN_ECHO_MS } from '../../../gateway/mqtt/gateway-client.ts';
import { connect, startBroker, stopAll } from '../../support/broker-harness.ts';

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
    const gateway = await GatewayClient.connect({
      url: broker.url ?? '',
      site: 'demo',
      version: 'test',
      clock: new ScaledClock(),
      log: silentLogger(),
      ...broker.gatewayCredentials,
    });
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
});
