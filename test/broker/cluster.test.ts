import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../broker/embedded-broker.ts';
import { ErrorCode } from '../../core/errors.ts';
import {
  connect,
  onCleanup,
  startBroker,
  stopAll,
  type TestUser,
  waitFor,
  writeUsers,
} from '../support/broker-harness.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * Two broker nodes sharing one real redis-server: publishes, retained messages and sessions cross
 * from one node to the other.
 */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      resolve(d.toString().startsWith('+PONG'));
      s.destroy();
    });
  });
}

const USERS: TestUser[] = [
  { name: 'central', role: 'uplink', secret: 'password', password: 'central-password1' },
  { name: 'S1002', role: 'kiosk', lane: 'east-2', secret: 'pin', password: '482913' },
];
const central = { username: 'central', password: 'central-password1', clientId: 'central-bridge' };

let redis: ChildProcess | undefined;
let redisUrl: string;
let a: EmbeddedBroker;
let b: EmbeddedBroker;

beforeAll(async () => {
  const port = await freePort();
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  redisUrl = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 5000;
  while (!(await redisAnswers(port))) {
    if (Date.now() > deadline || redis.exitCode !== null) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const dir = await makeTempDir();
  const usersFile = await writeUsers(dir, USERS);
  const secretFile = join(dir, 'token-secret');
  writeFileSync(secretFile, `${'s'.repeat(48)}\n`, { mode: 0o600 });
  const node = () => startBroker({ usersFile, cluster: { enabled: true, redisUrl }, tokens: { secretFile } });
  a = await node();
  b = await node();
});

afterAll(async () => {
  await stopAll();
  if (redis && redis.exitCode === null) {
    const exited = new Promise((r) => redis?.once('exit', r));
    process.kill(redis.pid ?? 0, 'SIGKILL');
    await exited;
  }
  await removeTempDirs();
});

describe('cluster mode (two nodes, one Redis)', () => {
  it('delivers a publish made on one node to a subscriber on the other', async () => {
    const sub = await connect(a.url ?? '');
    const got: string[] = [];
    sub.on('message', (t, p) => got.push(`${t} ${p}`));
    await sub.subscribeAsync('gatepost/demo/lane/+/decision', { qos: 1 });
    const pub = await connect(b.url ?? '', { ...b.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    await pub.publishAsync('gatepost/demo/lane/east-1/decision', '{"outcome":"PASS"}', { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'the cross-node delivery');
    expect(got).toEqual(['gatepost/demo/lane/east-1/decision {"outcome":"PASS"}']);
  });

  it('shows a retained bay state published on one node to a new subscriber on the other', async () => {
    const gateway = await connect(a.url ?? '', {
      ...a.gatewayCredentials,
      clientId: 'gatepost-demo-gateway',
    });
    const bay = JSON.stringify({ bay: 'P-0412', state: 'occupied' });
    await gateway.publishAsync('gatepost/demo/yard/bay/P-0412', bay, { qos: 1, retain: true });
    const late = await connect(b.url ?? '');
    const got: string[] = [];
    late.on('message', (t, p, packet) => got.push(`${t} ${p} retain=${packet.retain}`));
    await late.subscribeAsync('gatepost/demo/yard/bay/+', { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'the retained bay');
    expect(got).toEqual([`gatepost/demo/yard/bay/P-0412 ${bay} retain=true`]);
  });

  it('keeps a QoS 1 session when its client moves to the other node', async () => {
    const onA = await connect(a.url ?? '', { ...central, clean: false });
    await onA.subscribeAsync('gatepost/demo/lane/+/scan', { qos: 1 });
    // Away once node A has let go of the connection (its session stays in Redis).
    const left = new Promise<void>((resolve) =>
      a.aedes.on('clientDisconnect', (c) => c.id === central.clientId && resolve()),
    );
    await onA.endAsync();
    await left;

    // Published on B while the client is away: queued in Redis for its session.
    const gateway = await connect(b.url ?? '', {
      ...b.gatewayCredentials,
      clientId: '_gateway-b',
    });
    await gateway.publishAsync('gatepost/demo/lane/east-2/scan', '{"seq":41}', { qos: 1 });

    const got: string[] = [];
    const onB = mqtt.connect(b.url ?? '', { ...central, clean: false, reconnectPeriod: 0 });
    onCleanup(() => onB.end(true));
    onB.on('message', (t, p) => got.push(`${t} ${p}`));
    const sessionPresent = await new Promise<boolean>((resolve, reject) => {
      onB.once('connect', (ack) => resolve(ack.sessionPresent));
      onB.once('error', reject);
      setTimeout(() => reject(new Error('no CONNACK from node B within 10 s')), 10_000).unref();
    });
    expect(sessionPresent).toBe(true);
    await waitFor(() => got.length === 1, 5000, 'the queued message');
    expect(got).toEqual(['gatepost/demo/lane/east-2/scan {"seq":41}']);

    // The subscription moved too: a new publish on A reaches the client on B.
    await gateway.publishAsync('gatepost/demo/lane/east-2/scan', '{"seq":42}', { qos: 1 });
    await waitFor(() => got.length === 2, 5000, 'the live message');

    // Taking the session over from the other node closes the older connection [MQTT-3.1.4-2].
    const back = await connect(a.url ?? '', { ...central, clean: false });
    await waitFor(() => !onB.connected, 5000, 'the older connection to close');
    expect(back.connected).toBe(true);
  });

  it('accepts on one node the web token issued by the other (shared token secret)', async () => {
    const signIn = await a.tokens.signIn('S1002', '482913');
    if (!signIn.ok) throw new Error(signIn.reason);
    const page = await connect(`ws://127.0.0.1:${b.wsPort}/mqtt`, {
      username: 'S1002',
      password: signIn.token,
      clientId: 'S1002-kiosk',
    });
    expect(page.connected).toBe(true);
  });

  it('gives up with a clear error when Redis does not answer', async () => {
    const nobody = await freePort();
    const cluster = { enabled: true, redisUrl: `redis://127.0.0.1:${nobody}`, startTimeoutMs: 1500 };
    await expect(startBroker({ cluster })).rejects.toSatisfy(
      (e: { code?: ErrorCode; message?: string }) =>
        e.code === ErrorCode.ListenFailed &&
        (e.message ?? '').includes(`cannot reach Redis at 127.0.0.1:${nobody}`),
    );
  });
});
