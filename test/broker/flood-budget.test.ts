import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONNECT_BYTES } from '../../broker/packet-guard.ts';
import { rssOf } from '../support/measure.ts';
import { connackCode, connectPacket, remainingLength } from '../support/mqtt-bytes.ts';

/**
 * MQTT input is budgeted before the broker works on it: a hostile flood against a broker in a
 * process of its own, measured (its resident memory, and how long an innocent client waits),
 * not only "it did not crash".
 */
/** Resident memory the broker may grow by under each flood. */
const BUDGET_RSS_MB = 48;
/** An innocent client's CONNECT + QoS 1 publish round trip during a flood. */
const BUDGET_ROUND_TRIP_MS = 1500;

let child: ChildProcess;
let port: number;

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./broker-child.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  port = (JSON.parse(line) as { port: number }).port;
}, 30_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
});

const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
});

async function open(from: string): Promise<Socket> {
  const s = netConnect({ port, host: '127.0.0.1', localAddress: from });
  s.on('error', () => undefined);
  sockets.push(s);
  await once(s, 'connect');
  return s;
}

/** An innocent client's CONNECT, QoS 1 publish and PUBACK, in milliseconds. */
async function roundTrip(): Promise<number> {
  const t0 = performance.now();
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  await c.publishAsync('gatepost/demo/test/innocent', 'x', { qos: 1 });
  const ms = performance.now() - t0;
  await c.endAsync();
  return ms;
}

const pid = () => child.pid ?? 0;

describe('MQTT flood budgets (broker in its own process)', () => {
  it('holds at most MAX_CONNECT_BYTES of a half-sent CONNECT: 400 clients announcing 200 KiB each', async () => {
    const before = rssOf(pid()) ?? 0;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid()) ?? 0);
    }, 20);
    const body = Buffer.alloc(190 * 1024, 0x61);
    const header = Buffer.concat([Buffer.from([0x10]), remainingLength(200 * 1024)]);
    const flood: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      flood.push(
        (async () => {
          const s = await open(`127.0.5.${(i % 200) + 1}`);
          s.write(header);
          s.write(body);
        })(),
      );
    }
    await Promise.all(flood);
    await new Promise((r) => setTimeout(r, 500));
    const innocent = await roundTrip();
    clearInterval(sampler);
    peak = Math.max(peak, rssOf(pid()) ?? 0);
    expect(peak - before).toBeLessThan(BUDGET_RSS_MB);
    expect(innocent).toBeLessThan(BUDGET_ROUND_TRIP_MS);
    expect(MAX_CONNECT_BYTES).toBeLessThan(200 * 1024);
  });

  it('answers one SUBSCRIBE of 20,000 filters within budget, granting only the subscription limit', async () => {
    const s = await open('127.0.6.1');
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.write(connectPacket({ clientId: 'many-filters', clean: true }));
    const all = () => Buffer.concat(got);
    while (connackCode(all()) === undefined) await new Promise((r) => setTimeout(r, 10));
    const filters = Array.from({ length: 20_000 }, (_, i) => `f/${i.toString(36)}`);
    const body = Buffer.concat(
      filters.map((f) =>
        Buffer.concat([Buffer.from([0, Buffer.byteLength(f)]), Buffer.from(f), Buffer.from([0])]),
      ),
    );
    const packet = Buffer.concat([
      Buffer.from([0x82]),
      remainingLength(body.length + 2),
      Buffer.from([0, 1]),
      body,
    ]);
    expect(packet.length).toBeLessThan(256 * 1024);
    const before = rssOf(pid()) ?? 0;
    const t0 = performance.now();
    s.write(packet);
    // SUBACK: 0x90, remaining length (3 bytes for 20,002), message id, one code per filter.
    const subackLength = 1 + remainingLength(20_002).length + 20_002;
    while (all().length < 4 + subackLength) {
      await new Promise((r) => setTimeout(r, 10));
      if (performance.now() - t0 > 10_000) break;
    }
    const elapsed = performance.now() - t0;
    const grown = (rssOf(pid()) ?? 0) - before;
    const codes = all().subarray(4 + subackLength - 20_000, 4 + subackLength);
    expect(codes.length).toBe(20_000);
    expect(codes.filter((c) => c === 0).length).toBe(64);
    expect(elapsed).toBeLessThan(3000);
    expect(grown).toBeLessThan(BUDGET_RSS_MB);
    expect(await roundTrip()).toBeLessThan(BUDGET_ROUND_TRIP_MS);
  });
});
