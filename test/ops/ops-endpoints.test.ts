import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { EventLoopMonitor } from '../../gateway/ops/event-loop.ts';
import { type OpsServer, startOpsServer } from '../../gateway/ops/http.ts';
import { GatewayMetrics } from '../../gateway/ops/metrics.ts';
import { type DeviceHealthEntry, Readiness } from '../../gateway/ops/readiness.ts';

/** /healthz, /readyz and the listener itself, with the readiness and the loop monitor driven by hand. */
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function serve(loop = new EventLoopMonitor(), readiness = new Readiness()) {
  loop.start();
  const metrics = new GatewayMetrics({
    site: 'demo',
    version: 'test',
    loop,
    ready: () => readiness.ready,
    clockState: () => undefined,
  });
  const server: OpsServer = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    readiness,
    loop,
    log: silentLogger(),
  });
  cleanup.push(
    () => server.close(),
    () => loop.stop(),
    () => readiness.stop(),
  );
  return { server, readiness, loop };
}

describe('Readiness', () => {
  it('waits for the broker, the state and every device, each latched once seen', async () => {
    const r = new Readiness(performance.now(), 5);
    cleanup.push(() => r.stop());
    const devices: DeviceHealthEntry[] = [
      { id: 'east-1/scanner', state: 'offline' },
      { id: 'bus/bus-1', state: 'offline' },
    ];
    r.addDevices(() => devices);
    r.mark('broker');
    r.mark('state');
    r.allDevicesAdded();
    expect(r.report()).toMatchObject({
      ready: false,
      conditions: { broker: true, state: true, devices: false },
      waitingFor: ['east-1/scanner', 'bus/bus-1'],
    });
    devices[0] = { id: 'east-1/scanner', state: 'online' };
    await new Promise((res) => setTimeout(res, 30));
    devices[0] = { id: 'east-1/scanner', state: 'offline' }; // unplugged again: still opened once
    devices[1] = { id: 'bus/bus-1', state: 'degraded' };
    await r.whenReady();
    const report = r.report();
    expect(report).toMatchObject({ ready: true, waitingFor: [], conditions: { devices: true } });
    expect(report.readyAfterMs).toBeGreaterThan(0);
  });

  it('is not ready before every part with devices was added', () => {
    const r = new Readiness();
    cleanup.push(() => r.stop());
    r.mark('broker');
    r.mark('state');
    expect(r.ready).toBe(false);
    r.allDevicesAdded();
    expect(r.ready).toBe(true);
  });
});

describe('the ops listener', () => {
  it('/readyz is 503 with what is missing, then 200', async () => {
    const { server, readiness } = await serve();
    const before = await fetch(`${server.url}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: 'not ready', conditions: { broker: false } });
    readiness.mark('broker');
    readiness.mark('state');
    readiness.allDevicesAdded();
    const after = await fetch(`${server.url}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ status: 'ready', ready: true });
  });

  it('/healthz is 200 while the loop turns and 503 after a stall, until the window has passed', async () => {
    const loop = new EventLoopMonitor({ beatMs: 50, windowMs: 400 });
    const { server } = await serve(loop);
    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok' });
    const until = performance.now() + 2300; // a stall longer than the 2 s limit
    while (performance.now() < until) {
      // the event loop is hung
    }
    await new Promise((res) => setTimeout(res, 30));
    const stalled = await fetch(`${server.url}/healthz`);
    expect(stalled.status).toBe(503);
    expect(await stalled.json()).toMatchObject({ status: 'stalled' });
    // Two windows later the stall is history.
    await expect
      .poll(async () => (await fetch(`${server.url}/healthz`)).status, { timeout: 3000, interval: 100 })
      .toBe(200);
  });

  it('/metrics is the Prometheus text format; other paths 404, other methods 405', async () => {
    const { server } = await serve();
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('# TYPE gatepost_decisions_total counter');
    expect(body).toMatch(/gatepost_info\{version="test",site="demo"\} 1/);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('EventLoopMonitor', () => {
  it('reports a blocked loop as lag, net of the sampling interval', async () => {
    const loop = new EventLoopMonitor({ windowMs: 60_000 });
    loop.start();
    cleanup.push(() => loop.stop());
    await new Promise((res) => setTimeout(res, 100));
    const until = performance.now() + 120;
    while (performance.now() < until) {
      // block
    }
    await new Promise((res) => setTimeout(res, 50));
    const lag = loop.lag();
    expect(lag.samples).toBeGreaterThan(3);
    expect(lag.maxMs).toBeGreaterThan(80);
    expect(lag.p50Ms).toBeLessThan(lag.maxMs);
  });
});
