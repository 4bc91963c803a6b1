import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import type { GatewayClient } from '../../gateway/mqtt/gateway-client.ts';
import { CLOCK_CHECK_LATEST_START_MS, Ops } from '../../gateway/ops/ops.ts';
import type { RecordSink } from '../../gateway/record-sink.ts';
import { parseConfig } from '../../site-config/load.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The clock check's first run (it forks timedatectl) waits until the gateway is ready, or at most
 * CLOCK_CHECK_LATEST_START_MS when a device keeps the gateway from ready: a start does not wait on
 * the fork. The status is published either way.
 */
describe('Ops.startClockCheck: the first check after ready', () => {
  let ops: Ops | undefined;
  afterEach(async () => {
    await ops?.stop();
    ops = undefined;
  });

  function setUp() {
    const raw = parseYaml(readFileSync(resolve(ROOT, 'config/demo.yaml'), 'utf8')) as Record<string, unknown>;
    const config = parseConfig({ ...raw, storage: { path: ':memory:' } });
    expect(config.ops.clockCheck.enabled).toBe(true);
    const o = new Ops({
      config: config.ops,
      site: 'demo',
      version: 'test',
      clock: systemClock,
      log: silentLogger(),
      env: {},
    });
    ops = o;
    const published: { topic: string; at: number }[] = [];
    const client = {
      publish: async (topic: string) => {
        published.push({ topic, at: performance.now() });
      },
    } as unknown as GatewayClient;
    const sink = { record: async () => undefined } as unknown as RecordSink;
    return { o, published, client, sink };
  }

  it('publishes nothing before ready, and the status once ready', async () => {
    const { o, published, client, sink } = setUp();
    o.startClockCheck(sink, client);
    await new Promise((r) => setTimeout(r, 300));
    expect(published).toEqual([]);
    o.readiness.mark('broker');
    o.readiness.mark('state');
    o.readiness.allDevicesAdded();
    expect(o.readiness.ready).toBe(true);
    await expect.poll(() => published.length, { timeout: 5_000 }).toBe(1);
    expect(published[0]?.topic).toBe('gatepost/demo/gateway/clock');
  });

  it('runs the check anyway when the gateway is not ready in time', async () => {
    const { o, published, client, sink } = setUp();
    const started = performance.now();
    o.startClockCheck(sink, client);
    await expect.poll(() => published.length, { timeout: CLOCK_CHECK_LATEST_START_MS + 5_000 }).toBe(1);
    expect(o.readiness.ready).toBe(false);
    expect(published[0]!.at - started).toBeGreaterThanOrEqual(CLOCK_CHECK_LATEST_START_MS - 5);
  });

  it('starts no check once stopped', async () => {
    const { o, published, client, sink } = setUp();
    o.startClockCheck(sink, client);
    await o.stop();
    ops = undefined;
    await new Promise((r) => setTimeout(r, CLOCK_CHECK_LATEST_START_MS + 300));
    expect(published).toEqual([]);
  });
});
