import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { DownlinkStatusSchema } from '../../gateway/downlink/downlink-topics.ts';
import { generateCentralKey } from '../../gateway/downlink/envelope-sign.ts';
import { demoConfigForTest, spawnGateway } from '../support/gateway-process.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { startCentral, until } from './site.ts';

/**
 * The real `gatepost start` process (the demo site) with the downlink on: gateway/app.ts wires
 * it to the uplink, the trust list path and the lanes' rules; envelopes from a real central
 * Mosquitto are applied and acked, and the retained status shows their versions.
 */
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('gatepost start with the downlink', () => {
  it('applies a trust list and rules from the central broker, acks them and retains the versions', async () => {
    const broker = await startMosquitto({ persistence: false });
    cleanup.push(() => broker.dispose());
    const central = await startCentral(broker.url, 'demo');
    cleanup.push(() => central.stop());
    const config = demoConfigForTest();
    config.uplink = { enabled: true, url: broker.url, topicPrefix: 'central', reconnectMinMs: 100 };
    config.downlink = {
      enabled: true,
      centralKeys: [central.keys.a, central.keys.b].map((k) => ({ kid: k.kid, x: k.x })),
    };
    const gw = spawnGateway(config);
    cleanup.push(() => gw.stop());
    const listening = await gw.waitForLog((l) => l.msg === 'broker listening', 30_000);
    await gw.waitForLog((l) => l.msg === 'uplink connected', 30_000);

    const gp1 = generateCentralKey('gp1-central').pin;
    const list = { keys: [{ kty: 'OKP', crv: 'Ed25519', kid: gp1.kid, x: gp1.x }] };
    const tl = await central.send({ kind: 'trust-list', version: 4, site: 'demo', payload: list });
    const rules = await central.send({ kind: 'rules', version: 2, site: 'all', payload: { feverC: 37.5 } });
    await until(() => central.ackOf(rules.id) !== undefined, 30_000, 'acks from the gateway');
    expect(central.ackOf(tl.id)).toMatchObject({ status: 'applied', kind: 'trust-list', version: 4 });
    expect(central.ackOf(rules.id)).toMatchObject({ status: 'applied', kind: 'rules', version: 2 });
    expect(JSON.parse(readFileSync(config.passes.trustListPath, 'utf8'))).toEqual(list);
    await gw.waitForLog((l) => l.msg === 'trust list loaded' && l.keys === 1 && l.dsc === 0, 15_000);

    const local = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.tcpPort}`, { reconnectPeriod: 0 });
    cleanup.push(() => local.endAsync(true));
    const statuses: unknown[] = [];
    local.on('message', (_t, payload) =>
      statuses.push(DownlinkStatusSchema.parse(JSON.parse(payload.toString()))),
    );
    await local.subscribeAsync('gatepost/demo/gateway/downlink', { qos: 1 });
    await until(() => statuses.length > 0, 10_000, 'the retained downlink status');
    expect(statuses.at(-1)).toMatchObject({
      applied: 2,
      refused: 0,
      kinds: { 'trust-list': { version: 4, envelopeId: tl.id }, rules: { version: 2, envelopeId: rules.id } },
    });
  }, 120_000);
});
