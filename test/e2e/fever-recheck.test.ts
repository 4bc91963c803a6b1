import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CompactSign } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { type Gateway, startGateway } from '../../gateway/app.ts';
import { SimulatedSite } from '../../sim/site.ts';
import { parseConfig } from '../../site-config/load.ts';
import { ed25519SigningKey } from '../support/ed25519-keys.ts';

/**
 * Issue 22's fever confirmation and routes end to end: the real gateway (embedded broker, SQLite)
 * with the simulated devices in-process. A screening fever followed by a normal handheld reading
 * entered as a staff request passes; a fever confirmed by a second screening after the pause
 * isolates; a pass to a destination the lane does not serve is REVIEW; a reading in a cold wind is
 * not trusted; an overdue calibration raises its alarm.
 */
const SCALE = 4; // device state 4× faster; wire timing stays real
const PAUSE_MS = 4_000; // rules.recheckPauseMs, gateway time (1 s here)

let gateway: Gateway;
let site: SimulatedSite;
let client: MqttClient;
let clock: ScaledClock;
let sign: (claims: Record<string, unknown>) => Promise<string>;
const records: { topic: string; type?: string; data: any; msg: any }[] = [];
let dbPath = '';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-recheck-'));
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  dbPath = join(dir, 'gatepost.db');
  raw.storage = { path: dbPath };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  raw.yard.baySensorBuses = [];
  raw.yard.exitLanes = [];
  raw.rules = { feverConfirm: 'recheck', recheckPauseMs: PAUSE_MS };
  for (const cp of raw.checkpoints)
    for (const lane of cp.lanes) {
      lane.decisionTimeoutMs = 8_000 * SCALE;
      lane.devices.scanner.interByteGapMs = 2_000; // a CPU-starved box may pause inside a code
      if (lane.id === 'west-1') lane.destinations = ['140100', '140400'];
      if (lane.id === 'west-2') {
        lane.devices.thermometer.calibratedAt = '2025-01-01';
        lane.devices.thermometer.calibrationIntervalDays = 180;
      }
    }
  const config = parseConfig(raw);

  const key = ed25519SigningKey();
  const jwk = { ...key.publicJwk, kid: 'sim-1', alg: 'EdDSA' };
  writeFileSync(config.passes.trustListPath ?? '', JSON.stringify({ keys: [jwk] }));
  clock = new ScaledClock(SCALE);
  const chips = new Map<string, VirtualGpioChip>();
  const gpio = (name: string) => chips.get(name) ?? chips.set(name, new VirtualGpioChip(name)).get(name)!;
  site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: gpio });
  await site.start();
  gateway = await startGateway({ config, clock, log: silentLogger(), serial: site.hub!, gpio });
  client = await mqtt.connectAsync(gateway.brokerUrl);
  client.on('message', (topic, payload) => {
    const msg = JSON.parse(payload.toString());
    records.push({ topic, type: msg?.type, data: msg?.data, msg });
  });
  await client.subscribeAsync('gatepost/demo/lane/#', { qos: 1 });
  sign = async (claims) => {
    const now = Math.floor(clock.now() / 1000);
    const test = { kind: 'antigen', result: 'negative', at: now - 3600 };
    const body = { iat: now - 60, exp: now + 86_400, color: 'green', test, ...claims };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'sim-1' })
      .sign(key.privateKey);
    return `GP1:${jws}`;
  };
  // Every device's port is open before a truck comes.
  const online = () =>
    [...gateway.lanes.values()].every((l) => Object.values(l.state().devices).every((st) => st === 'online'));
  for (const until = Date.now() + 15_000; !online(); ) {
    if (Date.now() > until) throw new Error('the lanes did not come online');
    await new Promise((res) => setTimeout(res, 50));
  }
}, 60_000);

afterAll(async () => {
  await client?.endAsync();
  await gateway?.stop();
  await site?.stop();
});

const of = (lane: string, type: string) =>
  records.filter((x) => x.type === type && x.topic.includes(`/lane/${lane}/`)).map((x) => x.data);
const decisions = (lane: string) => of(lane, 'decision');
const codes = (d: any) => d?.reasons.map((r: any) => r.code);

/** A truck onto the lane, its pass scanned, its driver in front of the thermometer; the first decision. */
async function truck(lane: string, code: string, tempC: number) {
  const sim = site.lane(lane);
  sim.barrier.putVehicle();
  await sim.scanner.present(code);
  sim.thermometer?.presentTarget(tempC);
  await expect.poll(() => decisions(lane).length, { timeout: 15_000 }).toBeGreaterThan(0);
  sim.thermometer?.removeTarget();
  return decisions(lane)[0];
}

describe('fever confirmed before isolation, end to end', () => {
  it('a screening fever followed by a normal handheld reading passes: the arm opens', async () => {
    const first = await truck('east-1', await sign({ plate: '晋D22001', sub: 'drv-1' }), 38.4);
    expect(first).toMatchObject({ outcome: 'REVIEW' });
    expect(codes(first)[0]).toBe('recheck-required');
    expect(site.lane('east-1').barrier.state).toBe('closed');

    // Staff take a handheld reading and enter it on the kiosk: a lane request, as the page sends it.
    await client.publishAsync(
      'gatepost/demo/lane/east-1/request/reading',
      JSON.stringify({
        transaction: 'rd-1',
        staffId: '200101',
        data: { value: 97.9, unit: 'F', method: 'handheld-ir' },
      }),
      { qos: 1 },
    );
    await expect
      .poll(() => records.find((x) => x.topic.endsWith('/east-1/response/reading'))?.msg, {
        timeout: 10_000,
      })
      .toMatchObject({ transaction: 'rd-1', status: 'ok' });
    await expect.poll(() => decisions('east-1').at(-1)?.outcome, { timeout: 10_000 }).toBe('PASS');
    expect(codes(decisions('east-1').at(-1))).toContain('fever-not-confirmed');
    await expect.poll(() => site.lane('east-1').barrier.state, { timeout: 10_000 }).toBe('open');
    const [screening, hand] = of('east-1', 'measurement');
    expect(screening).toMatchObject({ objectC: 38.4, method: 'screening', ambientC: 22 });
    expect(hand).toMatchObject({
      objectC: 36.61,
      method: 'handheld-ir',
      staffId: '200101',
      entered: { value: 97.9, unit: 'F' },
    });
    expect(of('east-1', 'staff-action')).toContainEqual(
      expect.objectContaining({ action: 'reading', staffId: '200101', ok: true }),
    );
    expect(of('east-1', 'alarm').map((a) => a.kind)).toEqual([]);
  });

  it('a fever confirmed twice isolates: the second screening after the pause, an isolation bay, the alarms', async () => {
    const first = await truck('east-2', await sign({ plate: '晋D22002', sub: 'drv-2' }), 38.6);
    expect(codes(first)[0]).toBe('recheck-required');
    // The driver rests out of the cab, then stands in front of the thermometer again.
    const due = clock.now() + PAUSE_MS;
    await expect.poll(() => clock.now() >= due, { timeout: 10_000 }).toBe(true);
    const sim = site.lane('east-2');
    sim.thermometer?.presentTarget(38.3);
    await expect.poll(() => decisions('east-2').at(-1)?.outcome, { timeout: 15_000 }).toBe('ISOLATE');
    sim.thermometer?.removeTarget();
    const last = decisions('east-2').at(-1);
    expect(last).toMatchObject({ bay: expect.stringMatching(/^I-\d{4}$/) });
    expect(codes(last)[0]).toBe('fever');
    expect(last.reasons[0].detail).toContain('confirmed by a second screening');
    await expect.poll(() => of('east-2', 'alarm').map((a) => a.kind)).toEqual(['fever', 'isolate']);
    expect(new Set(of('east-2', 'transit-start').map((t) => t.transitId)).size).toBe(1);
    expect(sim.barrier.state).toBe('closed');
  });
});

describe('routes, ambient and calibration, end to end', () => {
  it('a pass to a destination the lane does not serve is REVIEW route-mismatch; a served one and an old pass pass', async () => {
    const wrong = await truck(
      'west-1',
      await sign({ plate: '晋D22003', sub: 'drv-3', origin: '140100', dest: '130100' }),
      36.5,
    );
    expect(wrong).toMatchObject({ outcome: 'REVIEW' });
    expect(codes(wrong)).toContain('route-mismatch');
    expect(wrong.pass).toMatchObject({ origin: '140100', destination: '130100' });
    // The truck is sent back: it leaves the loop, its transit ends.
    site.lane('west-1').barrier.removeVehicle();
    await expect.poll(() => of('west-1', 'transit-end').length, { timeout: 10_000 }).toBe(1);
    for (const [i, claims] of [{ dest: '140400' }, {}].entries()) {
      const plate = `晋D2201${i}`;
      const sim = site.lane('west-1');
      sim.barrier.putVehicle();
      await sim.scanner.present(await sign({ plate, sub: `drv-1${i}`, ...claims }));
      sim.thermometer?.presentTarget(36.4);
      const mine = () => decisions('west-1').find((d) => d.plate === plate);
      await expect.poll(mine, { timeout: 15_000 }).toBeDefined();
      sim.thermometer?.removeTarget();
      expect(mine()).toMatchObject({ outcome: 'PASS' });
      expect(codes(mine())).not.toContain('route-mismatch');
      await expect.poll(() => sim.barrier.state, { timeout: 10_000 }).toBe('open');
      sim.barrier.removeVehicle();
      await expect.poll(() => sim.barrier.state, { timeout: 15_000 }).toBe('closed');
    }
  });

  it('a reading in a cold wind is REVIEW ambient-out-of-range; an overdue calibration raises its alarm and shows in the state', async () => {
    // Raised at start, before this test's client subscribed: read from the store.
    const db = new Database(dbPath, { readonly: true });
    const stored = db
      .prepare("SELECT data FROM records WHERE stream = 'lane/west-2' AND type = 'alarm'")
      .all()
      .map((r) => JSON.parse((r as { data: string }).data));
    db.close();
    expect(stored.find((a) => a.kind === 'calibration-overdue')?.params).toMatchObject({
      device: 'thermometer',
      due: '2025-06-30',
      errorCode: 312,
    });
    expect(gateway.lanes.get('west-2')?.state().calibration?.thermometer).toMatchObject({ overdue: true });
    site.lane('west-2').thermometer?.setAmbient(8);
    const d = await truck('west-2', await sign({ plate: '晋D22004', sub: 'drv-4' }), 36.5);
    expect(d).toMatchObject({ outcome: 'REVIEW' });
    expect(codes(d)[0]).toBe('ambient-out-of-range');
    site.lane('west-2').thermometer?.setAmbient(22);
  });
});
