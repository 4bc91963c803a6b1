import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEarlyBrokerThread, takeEarlyBrokerThread } from '../../broker/broker-early-thread.ts';
import { type LocalBroker, startLocalBroker } from '../../broker/local-broker.ts';
import { silentLogger } from '../../core/logger.ts';
import { buildBundle } from '../../core/module-build.js';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';

// The broker's thread begun as the process starts (bin/gatepost.js `start`), before its options
// are known: the broker the gateway starts runs on it, or on a new thread if it died, and a
// gateway whose broker does not run on a thread ends it.
let broker: LocalBroker | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await broker?.close();
  broker = undefined;
  takeEarlyBrokerThread()?.terminate();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const workerModule = () =>
  buildBundle(fileURLToPath(new URL('../../broker/broker-worker.ts', import.meta.url)));

const start = (threadEnabled = true) =>
  startLocalBroker({
    tcp: { enabled: true, host: '127.0.0.1', port: 0 },
    websocket: { enabled: false, host: '127.0.0.1', port: 0, path: '/mqtt' },
    log: silentLogger(),
    site: 'demo',
    acl: GATEPOST_ACL,
    thread: { enabled: threadEnabled, nice: 10 },
  });

const threadOf = (b: LocalBroker) => (b as unknown as { worker: Worker }).worker;

async function servesMqtt(b: LocalBroker): Promise<void> {
  const client = await mqtt.connectAsync(b.url ?? '', {
    ...b.gatewayCredentials,
    clientId: 'gatepost-demo-gateway',
    reconnectPeriod: 0,
  });
  const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
  await client.subscribeAsync('gatepost/demo/gateway/state');
  await client.publishAsync('gatepost/demo/gateway/state', 'online', { qos: 1 });
  expect(await got).toBe('online');
  await client.endAsync(true);
}

describe('the broker thread begun early', () => {
  it('is the thread the broker runs on, once its modules are loaded', async () => {
    const early = startEarlyBrokerThread(await workerModule());
    expect(startEarlyBrokerThread(await workerModule())).toBe(early);
    broker = await start();
    expect(broker.runs).toBe('thread');
    expect(threadOf(broker).threadId).toBe(early.threadId);
    expect(takeEarlyBrokerThread()).toBeUndefined();
    await servesMqtt(broker);
  });

  it('that died before it was needed is replaced by a new thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-early-'));
    dirs.push(dir);
    const broken = join(dir, 'broken-worker.mjs');
    writeFileSync(broken, "throw new Error('this module does not load');\n");
    const early = startEarlyBrokerThread(pathToFileURL(broken));
    broker = await start();
    expect(threadOf(broker).threadId).not.toBe(early.threadId);
    await servesMqtt(broker);
  });

  it('that dies as it is taken over is replaced by a new thread too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-early-'));
    dirs.push(dir);
    const slow = join(dir, 'slow-broken-worker.mjs');
    // Still loading when the gateway takes it over, then fails.
    writeFileSync(slow, "await new Promise((r) => setTimeout(r, 300));\nthrow new Error('late failure');\n");
    const early = startEarlyBrokerThread(pathToFileURL(slow));
    broker = await start();
    expect(threadOf(broker).threadId).not.toBe(early.threadId);
    await servesMqtt(broker);
  });

  it("is ended when the broker runs on the gateway's own loop", async () => {
    const early = startEarlyBrokerThread(await workerModule());
    const exited = new Promise<number>((resolve) => early.once('exit', resolve));
    broker = await start(false);
    expect(broker.runs).toBe('loop');
    await exited;
    expect(takeEarlyBrokerThread()).toBeUndefined();
    await servesMqtt(broker);
  });
});
