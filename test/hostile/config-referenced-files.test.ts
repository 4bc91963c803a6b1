import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfigForTest, type GatewayProcess, spawnGateway } from '../support/gateway-process.ts';
import { rssOf } from '../support/measure.ts';

/**
 * Files a site config names and the gateway reads (the token secret file, the broker's TLS files,
 * the uplink's TLS files): read capped and only if regular files, so a mistaken path to
 * `/dev/zero` or a FIFO is a clear error, never a read that hangs the broker's start or, for the
 * uplink (read on the event loop at every attempt), every lane. Measured on the real process.
 */
const START_BUDGET_MS = 20_000;
const BUDGET_RSS_MB = 300;

const running: GatewayProcess[] = [];
afterEach(async () => {
  for (const gw of running.splice(0)) await gw.stop();
});

function start(config: Record<string, any>): { gw: GatewayProcess; peak: () => number; stop: () => void } {
  const gw = spawnGateway(config);
  running.push(gw);
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(gw.child.pid ?? 0) ?? 0);
  }, 20);
  void gw.exited.then(() => clearInterval(timer));
  return { gw, peak: () => peak, stop: () => clearInterval(timer) };
}

function fifo(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gatepost-hostile-ref-')), 'file.fifo');
  execFileSync('mkfifo', [path]);
  return path;
}

async function exitsWith(config: Record<string, any>, message: string): Promise<void> {
  const t0 = performance.now();
  const run = start(config);
  const exit = await Promise.race([
    run.gw.exited,
    new Promise<'hung'>((r) => setTimeout(() => r('hung'), START_BUDGET_MS)),
  ]);
  expect(exit, `still running after ${START_BUDGET_MS} ms`).not.toBe('hung');
  expect(exit).toMatchObject({ code: 1 });
  expect(run.gw.stderr()).toContain(message);
  expect(performance.now() - t0).toBeLessThan(START_BUDGET_MS);
  expect(run.peak()).toBeLessThan(BUDGET_RSS_MB);
}

describe('files named by the config: refused at once when not regular files', () => {
  it('broker.tokens.secretFile: /dev/zero', async () => {
    const config = demoConfigForTest();
    config.broker.tokens = { secretFile: '/dev/zero' };
    await exitsWith(config, 'cannot read token secret file /dev/zero: is not a regular file');
  }, 40_000);

  it('broker.tls.certFile: a FIFO with no writer', async () => {
    const config = demoConfigForTest();
    const path = fifo();
    config.broker.tls = {
      certFile: path,
      keyFile: path,
      tcp: { host: '127.0.0.1', port: 0 },
      websocket: { enabled: false, host: '127.0.0.1', port: 0 },
    };
    await exitsWith(config, `cannot read the TLS certificate ${path}: is not a regular file (it is a FIFO)`);
  }, 40_000);

  it('uplink.caFile: /dev/zero is an uplink error to retry on; the gateway and its lanes run on', async () => {
    const config = demoConfigForTest();
    config.uplink = { enabled: true, url: 'mqtts://127.0.0.1:1', caFile: '/dev/zero' };
    // The simulated traffic 5x faster: its first scan comes ~1 s after the start, not ~14 s.
    config.simulation = { ...config.simulation, timeScale: 5 };
    const run = start(config);
    const line = await run.gw.waitForLog((l) => l.msg === 'uplink cannot connect', START_BUDGET_MS);
    expect(String(line.err)).toContain('cannot read the uplink TLS CA /dev/zero: is not a regular file');
    const listening = await run.gw.waitForLog((l) => l.msg === 'broker listening', START_BUDGET_MS);
    await run.gw.waitForLog((l) => l.msg === 'gateway ready', START_BUDGET_MS);
    // The lanes keep deciding: the simulated traffic's scans still come, uplink or not.
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${listening.tcpPort}`);
    try {
      const scan = new Promise<string>((resolve) => client.on('message', (topic) => resolve(topic)));
      await client.subscribeAsync('gatepost/demo/lane/+/scan', { qos: 1 });
      expect(await scan).toMatch(/^gatepost\/demo\/lane\/[^/]+\/scan$/);
    } finally {
      await client.endAsync();
    }
    run.stop();
    expect(run.peak()).toBeLessThan(BUDGET_RSS_MB);
  }, 40_000);
});
