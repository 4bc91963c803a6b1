import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../gateway/mqtt/envelope.ts';
import { demoConfigForTest, type GatewayProcess, spawnGateway } from '../support/gateway-process.ts';
import { rssOf } from '../support/measure.ts';

/**
 * The MQTT payloads of every request topic the gateway subscribes to (a lane's
 * `lane/<lane>/request/<action>`, the yard's `yard/request/<action>`), sent over the real
 * embedded Aedes broker to the real gateway process running the demo site: each hostile payload
 * gets a clear error reply quickly, the process's memory stays within budget, and the lanes keep
 * deciding meanwhile.
 */
const SITE = 'demo';
/** Hostile request to its error reply. */
const REPLY_BUDGET_MS = 1000;
/** The gateway process's RSS growth over a flood of hostile requests. */
const BUDGET_RSS_MB = 64;

let gw: GatewayProcess;
let url: string;
let client: MqttClient;
const replies = new Map<string, (reply: Record<string, unknown>) => void>();
const laneRecords: string[] = [];

beforeAll(async () => {
  gw = spawnGateway(demoConfigForTest());
  const listening = await gw.waitForLog((l) => l.msg === 'broker listening', 30_000);
  await gw.waitForLog((l) => l.msg === 'gateway ready', 30_000);
  url = `mqtt://127.0.0.1:${listening.tcpPort}`;
  client = await mqtt.connectAsync(url);
  client.on('message', (topic, payload) => {
    if (/\/lane\/[^/]+\/(scan|decision)$/.test(topic)) laneRecords.push(topic);
    if (!topic.includes('/response/')) return;
    const reply = JSON.parse(payload.toString()) as Record<string, unknown>;
    const key = `${topic.replace('/response/', '/request/')}#${String(reply.transaction)}`;
    replies.get(key)?.(reply);
  });
  await client.subscribeAsync(
    [`gatepost/${SITE}/lane/+/response/+`, `gatepost/${SITE}/yard/response/+`, `gatepost/${SITE}/lane/+/+`],
    { qos: 1 },
  );
}, 60_000);

afterAll(async () => {
  await client?.endAsync();
  await gw?.stop();
});

/**
 * Publishes a payload and resolves with the reply and how long it took. A payload whose
 * transaction cannot be read is answered with transaction "": such requests are sent one at a time.
 */
async function ask(topic: string, payload: Buffer | string, transaction = '') {
  const t0 = performance.now();
  const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply on ${topic} within 10 s`)), 10_000);
    replies.set(`${topic}#${transaction}`, (r) => {
      clearTimeout(timer);
      replies.delete(`${topic}#${transaction}`);
      resolve(r);
    });
  });
  await client.publishAsync(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), { qos: 1 });
  const r = await reply;
  return { reply: r, ms: performance.now() - t0 };
}

const laneTopic = (action: string) => `gatepost/${SITE}/lane/east-1/request/${action}`;
const yardTopic = (action: string) => `gatepost/${SITE}/yard/request/${action}`;

describe('MQTT request payloads: each hostile payload gets a clear error reply within the budget', () => {
  for (const [name, topic] of [
    ['lane', laneTopic('override')],
    ['yard', yardTopic('release')],
  ] as const) {
    it(`${name}: too large, nested too deep, not UTF-8, not JSON, wrong types`, async () => {
      const cases: [string, Buffer, string, RegExp][] = [
        [
          'too large',
          Buffer.alloc(200 * 1024, 0x20),
          '',
          /request (is )?too large \(204800 bytes, at most 16384\)/,
        ],
        ['deep', Buffer.from('['.repeat(MAX_REQUEST_BYTES)), '', /request is nested deeper than 8 levels/],
        [
          'deep inside a valid envelope',
          Buffer.from(
            `{"transaction":"t-deep","staffId":"S1","data":{"reason":${'['.repeat(2000)}${']'.repeat(2000)}}}`,
          ),
          '',
          /nested deeper/,
        ],
        [
          'not UTF-8',
          // Valid JSON but for the bytes: decoded as U+FFFD, the staff ID "S\uFFFD" went through.
          Buffer.concat([
            Buffer.from('{"transaction":"t-utf8","staffId":"S'),
            Buffer.from([0xe9, 0xff]),
            Buffer.from('","data":5}'),
          ]),
          '',
          /request is not valid UTF-8/,
        ],
        ['not JSON', Buffer.from('{"transaction": "t-x", '), '', /request is not valid JSON/],
        [
          'wrong types',
          Buffer.from(JSON.stringify({ transaction: 't-types', staffId: 'S1', data: 5 })),
          't-types',
          /^data: /,
        ],
      ];
      for (const [what, payload, tx, error] of cases) {
        const { reply, ms } = await ask(topic, payload, tx);
        expect(reply, what).toMatchObject({ transaction: tx, status: 'error' });
        expect(String(reply.error), what).toMatch(error);
        expect(ms, what).toBeLessThan(REPLY_BUDGET_MS);
      }
    }, 60_000);
  }

  it('a 10 MB payload never reaches the gateway: the broker closes its sender; the gateway answers the next', async () => {
    const rogue = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((r) => rogue.once('close', () => r()));
    rogue.publish(laneTopic('barrier'), Buffer.alloc(10 * 1024 * 1024, 0x5b), { qos: 0 });
    await closed;
    rogue.end(true);
    const { reply } = await ask(
      laneTopic('barrier'),
      JSON.stringify({ transaction: 't-after', data: {} }),
      't-after',
    );
    expect(reply).toMatchObject({ transaction: 't-after', status: 'error' });
  }, 30_000);

  it('a flood of 300 hostile requests: memory within budget, every one answered, the lanes keep deciding', async () => {
    const pid = gw.child.pid ?? 0;
    const before = rssOf(pid) ?? 0;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid) ?? 0);
    }, 20);
    const recordsBefore = laneRecords.length;
    const t0 = performance.now();
    const hostile = [
      Buffer.from('['.repeat(MAX_REQUEST_BYTES)),
      Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x7b),
      Buffer.concat([
        Buffer.from('{"transaction":"'),
        Buffer.alloc(MAX_REQUEST_BYTES - 100, 0xff),
        Buffer.from('"}'),
      ]),
    ];
    let answered = 0;
    const answeredAll = new Promise<void>((resolve) => {
      const count = (_t: string, p: Buffer) => {
        if (!_t.includes('/response/')) return;
        const r = JSON.parse(p.toString()) as { transaction: string; status: string };
        if (r.transaction === '' && r.status === 'error' && ++answered === 300) {
          client.off('message', count);
          resolve();
        }
      };
      client.on('message', count);
    });
    for (let i = 0; i < 300; i++) {
      const topic =
        i % 2 ? laneTopic(['register', 'override', 'barrier', 'mode'][i % 4] ?? 'mode') : yardTopic('assign');
      client.publish(topic, hostile[i % 3] ?? Buffer.alloc(0), { qos: 1 });
    }
    await answeredAll;
    const elapsed = performance.now() - t0;
    // Lanes keep deciding while and after the flood: scans and decisions keep coming.
    await expect.poll(() => laneRecords.length - recordsBefore, { timeout: 15_000 }).toBeGreaterThan(0);
    clearInterval(sampler);
    expect(elapsed).toBeLessThan(300 * 50);
    expect(peak - before).toBeLessThan(BUDGET_RSS_MB);
    expect(gw.child.exitCode).toBeNull();
  }, 60_000);
});
