import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import type { GatewayClient } from '../../gateway/mqtt/gateway-client.ts';
import { CLOCK_CHECK_FIRST_DELAY_MS, Ops } from '../../gateway/ops/ops.ts';
import type { RecordSink } from '../../gateway/record-sink.ts';
import { parseConfig } from '../../site-config/load.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The clock check's first run (it forks timedatectl) comes CLOCK_CHECK_FIRST_DELAY_MS after the
 * parts started, whether the gateway is ready or not: neither the start nor what waits for ready
 * waits on the fork. The status is published then.
 */
describe('Ops.startClockCheck: the first check after the start', () => {
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

  it('publishes nothing at once, not even once ready, and the status after the delay', async () => {
    const { o, published, client, sink } = setUp();
    const started = performance.now();
    o.startClockCheck(sink, client);
    o.readiness.mark('broker');
    o.readiness.mark('state');
    o.readiness.allDevicesAdded();
    expect(o.readiness.ready).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(published).toEqual([]);
    await expect.poll(() => published.length, { timeout: CLOCK_CHECK_FIRST_DELAY_MS + 5_000 }).toBe(1);
    expect(published[0]?.topic).toBe('gatepost/demo/gateway/clock');
    expect(published[0]!.at - started).toBeGreaterThanOrEqual(CLOCK_CHECK_FIRST_DELAY_MS - 5);
  });

  it('runs the check when the gateway is not ready as well', async () => {
    const { o, published, client, sink } = setUp();
    o.startClockCheck(sink, client);
    await expect.poll(() => published.length, { timeout: CLOCK_CHECK_FIRST_DELAY_MS + 5_000 }).toBe(1);
    expect(o.readiness.ready).toBe(false);
  });

  it('starts no check once stopped', async () => {
    const { o, published, client, sink } = setUp();
    o.startClockCheck(sink, client);
    await o.stop();
    ops = undefined;
    await new Promise((r) => setTimeout(r, CLOCK_CHECK_FIRST_DELAY_MS + 300));
    expect(published).toEqual([]);
  });
});
