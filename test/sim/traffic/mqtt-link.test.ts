import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestSchema } from '../../../gateway/mqtt/envelope.ts';
import { TOPICS } from '../../../gateway/mqtt/topics.ts';
import { YARD_REQUEST_DATA } from '../../../gateway/yard/yard-payloads.ts';
import type { DecisionSeen } from '../../../sim/traffic/gateway-link.ts';
import { MqttGatewayLink } from '../../../sim/traffic/mqtt-gateway-link.ts';
import { type Mosquitto, startMosquitto } from '../../support/mosquitto.ts';
import { eventually } from '../support/fault-site.ts';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto({ persistence: false });
});
afterAll(async () => {
  await broker.dispose();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function client(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { clientId: `test-${Math.random().toString(16).slice(2)}` });
  closers.push(() => c.endAsync(true));
  return c;
}

async function link(requestTimeoutMs = 2000): Promise<MqttGatewayLink> {
  const l = new MqttGatewayLink({ url: broker.url, site: 'demo', staffId: 'sim-yard', requestTimeoutMs });
  closers.push(() => l.close());
  await eventually(() => l.connected, 5000, 'the link to connect');
  await new Promise((r) => setTimeout(r, 100)); // its subscriptions
  return l;
}

/** A decision record as the gateway publishes it (checked against the gateway's own topic schema). */
function decisionRecord(lane: string, outcome: 'YARD' | 'PASS', bay?: string) {
  const record = {
    id: '01a201b3-00c1-7215-80fe-517e338f4a6a',
    site: 'demo',
    stream: `lane/${lane}`,
    seq: 5,
    type: 'decision',
    at: Date.now(),
    data: {
      lane,
      transitId: '01a201b2-e972-71c0-b749-925bab332cbb',
      outcome,
      reasons: [{ code: 'no-recent-test', outcome, detail: 'green without a recent test' }],
      by: 'rules',
      plate: '晋D12345',
      ...(bay ? { bay } : {}),
    },
  };
  return TOPICS.laneDecision.schema.parse(record);
}

describe('the simulator on the gateway broker', () => {
  it('sees the decisions of every lane, with plate and bay, and ignores what is not a decision record', async () => {
    const l = await link();
    const seen: DecisionSeen[] = [];
    l.onDecision((d) => seen.push(d));
    const gw = await client();
    await gw.publishAsync('gatepost/demo/lane/east-1/decision', 'not json');
    await gw.publishAsync('gatepost/demo/lane/east-1/decision', JSON.stringify({ data: { lane: 'east-1' } }));
    await gw.publishAsync(
      'gatepost/other-site/lane/east-1/decision',
      JSON.stringify(decisionRecord('east-1', 'PASS')),
    );
    await gw.publishAsync(
      'gatepost/demo/lane/east-2/decision',
      JSON.stringify(decisionRecord('east-2', 'YARD', 'P-0012')),
    );
    await eventually(() => seen.length > 0, 3000, 'a decision');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([
      {
        lane: 'east-2',
        outcome: 'YARD',
        transitId: '01a201b2-e972-71c0-b749-925bab332cbb',
        plate: '晋D12345',
        bay: 'P-0012',
        reasons: ['no-recent-test'],
      },
    ]);
  });

  it('acts as yard staff with requests the yard accepts, matched to their replies by transaction', async () => {
    const l = await link();
    const yard = await client();
    const requests: { action: string; body: Record<string, unknown> }[] = [];
    await yard.subscribeAsync('gatepost/demo/yard/request/+');
    yard.on('message', (topic, payload) => {
      const action = topic.split('/').at(-1) ?? '';
      const body = JSON.parse(payload.toString()) as Record<string, unknown>;
      requests.push({ action, body });
      const schema = requestSchema(YARD_REQUEST_DATA[action as keyof typeof YARD_REQUEST_DATA]);
      const valid = schema.safeParse(body).success;
      const bays = action === 'move' ? [{ bay: 'P-0012' }, { bay: 'I-0003', truck: { visitId: 'v1' } }] : [];
      const reply =
        valid && action !== 'release'
          ? { transaction: body.transaction, status: 'ok', data: { bays } }
          : {
              transaction: body.transaction,
              status: 'error',
              error: 'refused',
              data: { code: 801, reason: 'not-cleared' },
            };
      void yard.publishAsync(`gatepost/demo/yard/response/${action}`, JSON.stringify(reply));
    });
    const staff = l.staff;
    expect(await staff.sample('P-0012')).toBe(true);
    expect(await staff.result('P-0012', 'positive')).toBe(true);
    expect(await staff.moveToIsolation('P-0012')).toBe('I-0003');
    expect(await staff.release('I-0003', 'isolation over')).toBe(false);

    expect(requests.map((r) => r.action)).toEqual(['sample', 'result', 'move', 'release']);
    for (const { action, body } of requests) {
      const schema = requestSchema(YARD_REQUEST_DATA[action as keyof typeof YARD_REQUEST_DATA]);
      expect(schema.safeParse(body).success, action).toBe(true);
      expect(body.staffId).toBe('sim-yard');
    }
    expect(new Set(requests.map((r) => r.body.transaction)).size).toBe(4);
  });

  it("acts as kiosk staff with an override the lane accepts, on the lane's request topic", async () => {
    const l = await link();
    const lane = await client();
    const seen: { topic: string; body: Record<string, unknown> }[] = [];
    await lane.subscribeAsync('gatepost/demo/lane/+/request/+');
    lane.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as Record<string, unknown>;
      seen.push({ topic, body });
      const ok = TOPICS.laneRequestOverride.schema.safeParse(body).success;
      const reply = ok
        ? { transaction: body.transaction, status: 'ok' }
        : { transaction: body.transaction, status: 'error', error: 'refused' };
      void lane.publishAsync(topic.replace('/request/', '/response/'), JSON.stringify(reply));
    });
    expect(await l.laneStaff.decide('east-2', 'YARD', 'checked at the kiosk: no-pass')).toBe(true);
    expect(await l.laneStaff.decide('east-2', 'PASS', 'x')).toBe(false); // a reason under 3 characters
    expect(seen.map((s) => s.topic)).toEqual([
      'gatepost/demo/lane/east-2/request/override',
      'gatepost/demo/lane/east-2/request/override',
    ]);
    expect(seen[0]?.body).toMatchObject({
      staffId: 'sim-kiosk',
      data: { outcome: 'YARD', reason: 'checked at the kiosk: no-pass' },
    });
  });

  it('a request nobody answers fails after its timeout; with no broker it fails at once', async () => {
    const l = await link(300);
    const t0 = performance.now();
    expect(await l.staff.sample('P-0001')).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);

    const nowhere = new MqttGatewayLink({ url: 'mqtt://127.0.0.1:1', site: 'demo', staffId: 'sim-yard' });
    closers.push(() => nowhere.close());
    expect(nowhere.connected).toBe(false);
    expect(await nowhere.staff.sample('P-0001')).toBe(false);
  });
});
