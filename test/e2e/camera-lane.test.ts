import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../site-config/load.ts';
import { type SimGateway, startSimGateway } from '../support/sim-gateway.ts';

/**
 * The real gateway with the simulated plate cameras (sim/devices/camera) pushing Hikvision ANPR
 * bodies over HTTP to its camera listener, and the simulated lane devices: a pass for another
 * plate than east-1's camera read is REVIEW plate-mismatch (its temperature from the thermal
 * camera, pushed in °F, a reading of method camera); a truck parked in the yard and
 * cleared there leaves through the yard exit found by the exit camera's plate, with no scan.
 */
const SCALE = 4;

type Running = SimGateway;

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

/** A port free right now on loopback (the simulated cameras must know it before the gateway listens). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function start(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-camlane-'));
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  raw.yard.baySensorBuses = [];
  const east = raw.checkpoints[0];
  const lane = east.lanes[0];
  lane.decisionTimeoutMs = 8_000 * SCALE;
  raw.checkpoints = [{ ...east, lanes: [lane] }];
  raw.cameras = {
    enabled: true,
    host: '127.0.0.1',
    port: await freePort(),
    plate: [
      { id: 'east-1-plate', lane: 'east-1', secret: 'east-1-plate-secret-01' },
      { id: 'exit-plate', lane: 'yard-exit', allow: ['127.0.0.1'] },
    ],
    thermal: [{ id: 'east-1-thermal', lane: 'east-1', secret: 'east-1-thermal-secret' }],
  };
  const config = parseConfig(raw);

  const r = await startSimGateway(config, SCALE);
  running.push(r);
  return r;
}

/** The decision records of a lane, as the broker carried them. */
const decisions = (r: Running, lane: string) =>
  r.messages
    .filter((m) => m.topic.includes(`/lane/${lane}/`) && m.body?.type === 'decision')
    .map((m) => m.body.data);

/**
 * A truck at east-1: on the loop, its plate read by the camera, its pass scanned, its temperature
 * taken by the thermometer or, given `thermalC`, by the thermal camera (which sends it in °F).
 */
async function entry(r: Running, plateSeen: string, code: string, thermalC?: number) {
  const n = decisions(r, 'east-1').length + 1;
  const sim = r.site.lane('east-1');
  sim.barrier.putVehicle();
  await r.site.cameras.plateSeen('east-1', plateSeen, 'yellow', 'read');
  await sim.scanner.present(code);
  if (thermalC === undefined) sim.thermometer?.presentTarget(36.5);
  else await r.site.cameras.temperatureSeen('east-1', thermalC, 'fahrenheit');
  await expect.poll(() => decisions(r, 'east-1').length, { timeout: 15_000 }).toBe(n);
  sim.thermometer?.removeTarget();
  return decisions(r, 'east-1')[n - 1];
}

/** The truck leaves its lane (through the arm if it opened, or backing off); its transit ends. */
async function leave(r: Running, lane: string) {
  const ends = () =>
    r.messages.filter((m) => m.topic.includes(`/lane/${lane}/`) && m.body?.type === 'transit-end').length;
  const before = ends();
  const barrier = r.site.lane(lane).barrier;
  barrier.removeVehicle();
  // Past the barrier's trailer gap: a loop dark for less is the same vehicle's coupling.
  await expect.poll(ends, { timeout: 15_000 }).toBe(before + 1);
  await expect.poll(() => barrier.state, { timeout: 10_000 }).toBe('closed');
}

describe('plate cameras drive the lanes, end to end', () => {
  it('a pass for another plate is REVIEW plate-mismatch; a truck cleared in the yard leaves by its plate alone', async () => {
    const r = await start();
    const now = Math.floor(r.clock.now() / 1000);
    const test = { kind: 'antigen', result: 'negative', at: now - 3600 };

    // The camera reads 晋D30001; the pass is 晋D30009's. The thermal camera takes the temperature.
    const mismatch = await entry(
      r,
      '晋D30001',
      await r.sign({ plate: '晋D30009', sub: 'drv-1', color: 'green', test }),
      36.6,
    );
    expect(mismatch).toMatchObject({
      outcome: 'REVIEW',
      plate: '晋D30001',
      plateColour: 'yellow',
      sighting: { camera: 'east-1-plate', plate: '晋D30001', colour: 'yellow' },
    });
    expect(mismatch.reasons.map((x: { code: string }) => x.code)).toEqual([
      'plate-mismatch',
      'recent-negative-test',
    ]);
    const measured = r.messages.find(
      (m) => m.topic.endsWith('/lane/east-1/measurement') && m.body.data?.transitId === mismatch.transitId,
    )?.body.data;
    expect(measured).toMatchObject({ method: 'camera', camera: 'east-1-thermal', seat: 1 });
    expect(measured.objectC).toBeCloseTo(36.6, 1);
    expect(mismatch.temperatureC).toBeCloseTo(36.6, 1);
    expect(r.site.lane('east-1').barrier.state).toBe('closed');
    await leave(r, 'east-1');

    // Green without a test: YARD, a bay held for the camera's plate and colour.
    const parked = await entry(
      r,
      '晋D30002',
      await r.sign({ plate: '晋D30002', sub: 'drv-2', color: 'green' }),
    );
    expect(parked).toMatchObject({ outcome: 'YARD', plate: '晋D30002', plateColour: 'yellow' });
    const bay = parked.bay as string;
    expect(bay).toBeTruthy();
    await leave(r, 'east-1');
    // Cleared in the yard by its coordinators: arrived, swabbed, negative.
    const staff = { kind: 'staff' as const, id: 'S-1' };
    expect(await r.gateway.yard.arrive(bay, staff)).toMatchObject({ ok: true });
    expect(await r.gateway.yard.sample(bay, 'antigen', staff)).toMatchObject({ ok: true });
    expect(await r.gateway.yard.result(bay, { result: 'negative' }, staff)).toMatchObject({ ok: true });

    // At the yard exit nobody scans: the exit camera reads the plate and the yard finds the truck by it.
    const exit = r.site.lane('yard-exit');
    exit.barrier.putVehicle();
    await r.site.cameras.plateSeen('yard-exit', '晋D30002', 'yellow', 'read');
    await expect.poll(() => decisions(r, 'yard-exit').length, { timeout: 15_000 }).toBe(1);
    expect(decisions(r, 'yard-exit')[0]).toMatchObject({
      outcome: 'PASS',
      plate: '晋D30002',
      sighting: { camera: 'exit-plate', plate: '晋D30002' },
      reasons: [expect.objectContaining({ code: 'yard-cleared' })],
    });
    expect(r.messages.some((m) => m.topic.includes('/lane/yard-exit/') && m.body?.type === 'scan')).toBe(
      false,
    );
    await expect.poll(() => exit.barrier.state, { timeout: 10_000 }).toBe('open');
    await leave(r, 'yard-exit');

    // A truck the yard never had: found by nobody, the arm stays shut.
    exit.barrier.putVehicle();
    await r.site.cameras.plateSeen('yard-exit', '晋D39999', 'blue', 'read');
    await expect.poll(() => decisions(r, 'yard-exit').length, { timeout: 15_000 }).toBe(2);
    expect(decisions(r, 'yard-exit')[1]).toMatchObject({
      outcome: 'REVIEW',
      reasons: [expect.objectContaining({ code: 'yard-not-cleared' })],
    });
    expect(r.site.cameras.statuses).toEqual({ 200: 5 });
  }, 90_000);
});
