import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type ExpectStatic, it, type TestContext } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { wordAlarm } from '../../gateway/web/client/kiosk/alarm-words.ts';
import type { ArmState } from '../../sim/devices/barrier/arm.ts';
import {
  detectorPlaces,
  STOP_AT_M,
  VehicleOnLane,
  type VehicleProfile,
} from '../../sim/devices/barrier/vehicle-passage.ts';
import { parseConfig } from '../../site-config/load.ts';
import { type SimGateway, startSimGateway } from '../support/sim-gateway.ts';

/**
 * The real gateway with the simulated site of config/demo.yaml, in process, at real time (the
 * trailer gap is a matter of a few hundred milliseconds): east-1 has a safety loop, a photo-eye
 * and an arming loop on GPIO lines; east-2's serial controller reports its photo-eye as PE1 in
 * its ST lines. A tractor-trailer whose coupling leaves the loop dark for 1.2 s is one truck; a
 * photo-eye blocked while the arm closes sends it back up; a photo-eye stuck raises its alarm.
 */
type Running = SimGateway;

/** Each test has its own gateway, stopped when that test finishes. */
async function start(ctx: TestContext, barrier: Record<string, unknown> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-detectors-'));
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  raw.rules = { ...raw.rules, feverConfirm: 'immediate' };
  raw.yard.baySensorBuses = [];
  raw.yard.exitLanes = [];
  // The two east lanes only: one with GPIO detectors, one with a serial controller's.
  raw.checkpoints = raw.checkpoints
    .filter((cp: any) => cp.id === 'east')
    .map((cp: any) => ({
      ...cp,
      lanes: cp.lanes.map((lane: any) => {
        for (const d of Object.values(lane.devices) as any[])
          if (d.port) d.port.path = join(dir, `${lane.id}-${d.port.path.split('-').pop()}`);
        lane.devices.scanner.interByteGapMs = 2_000;
        Object.assign(lane.devices.barrier, barrier);
        return lane;
      }),
    }));
  const config = parseConfig(raw);

  const r = await startSimGateway(config, 1);
  ctx.onTestFinished(() => r.stop());
  return r;
}

const of = (r: Running, lane: string, type: string) =>
  r.messages
    .filter((m) => m.body?.type === type && m.topic.includes(`/lane/${lane}/`))
    .map((m) => ({ topic: m.topic, type, data: m.body.data }));

/** A green pass with a fresh negative test: PASS. */
async function pass(r: Running, plate: string) {
  return r.sign({
    plate,
    sub: `drv-${plate}`,
    color: 'green',
    test: { kind: 'antigen', result: 'negative', at: Math.floor(r.clock.now() / 1000) - 3600 },
  });
}

/** A truck that rolls up from `front` to the arm over the lane's detectors, as the simulator's traffic does. */
async function rollUp(r: Running, lane: string, profile: VehicleProfile, front: number) {
  const barrier = r.site.lane(lane).barrier;
  const v = new VehicleOnLane(
    r.clock,
    detectorPlaces(barrier.core.detectors),
    profile,
    (name, high) => barrier.setDetector(name, high),
    front,
  );
  await new Promise<void>((resolve) => v.driveTo(STOP_AT_M, resolve));
  return v;
}

/** Scanned and measured at the lane: waits for its decision. */
async function checkIn(expect: ExpectStatic, r: Running, lane: string, code: string) {
  const sim = r.site.lane(lane);
  await sim.scanner.present(code);
  sim.thermometer?.presentTarget(36.5);
  await expect.poll(() => of(r, lane, 'decision')[0]?.data, { timeout: 15_000 }).toBeDefined();
  sim.thermometer?.removeTarget();
  return of(r, lane, 'decision')[0]?.data;
}

/** A tractor 6 m, an unseen coupling of 4.4 m and a trailer of 9 m at 2 m/s: the 2 m loop is dark for 1.2 s. */
const TRACTOR_TRAILER: VehicleProfile = {
  kind: 'tractor-trailer',
  tractorM: 6,
  gapM: 4.4,
  trailerM: 9,
  speedMps: 2,
};

// The tests wait on the arm and the truck in real time, each on its own gateway: they run side by side.
describe.concurrent('barrier detectors end to end, with the simulated site', () => {
  it('a tractor-trailer with a 1.2 s gap over the serial lane is one transit, no tailgate, and the arm never closes on it', async (ctx) => {
    const { expect } = ctx;
    const r = await start(ctx);
    const lane = 'east-2';
    const barrier = r.site.lane(lane).barrier;
    const truck = await rollUp(r, lane, TRACTOR_TRAILER, -3);
    expect(barrier.core.detector('loop')).toBe(true);
    const d = await checkIn(expect, r, lane, await pass(r, '晋D22001'));
    expect(d).toMatchObject({ outcome: 'PASS' });
    await expect.poll(() => barrier.state, { timeout: 10_000 }).toBe('open');

    const arm: ArmState[] = [];
    barrier.core.on('state', (s: ArmState) => arm.push(s));
    const loop: { high: boolean; at: number }[] = [];
    barrier.core.on('detector', (name: string, high: boolean) => {
      if (name === 'loop') loop.push({ high, at: r.clock.now() });
    });
    await new Promise<void>((resolve) => truck.driveThrough(resolve));
    // The coupling: the loop (and the photo-eye) dark for 1.2 s between tractor and trailer.
    expect(loop.map((x) => x.high)).toEqual([false, true, false]);
    expect((loop[1]?.at ?? 0) - (loop[0]?.at ?? 0)).toBeGreaterThanOrEqual(1150);
    expect(arm).toEqual([]); // the arm stayed up while any part of the truck was under it

    await expect
      .poll(() => of(r, lane, 'transit-end').map((x) => x.data.end), { timeout: 10_000 })
      .toEqual(['cleared']);
    await expect.poll(() => barrier.state, { timeout: 10_000 }).toBe('closed');
    expect(of(r, lane, 'transit-start')).toHaveLength(1);
    expect(of(r, lane, 'alarm').filter((a) => a.data.kind === 'tailgate')).toEqual([]);
    expect(barrier.violations).toEqual([]);
  }, 90_000);

  it('a photo-eye blocked while the arm closes on the GPIO lane reverses the arm; it closes once the eye is clear', async (ctx) => {
    const { expect } = ctx;
    const r = await start(ctx);
    const lane = 'east-1';
    const barrier = r.site.lane(lane).barrier;
    barrier.putVehicle();
    const d = await checkIn(expect, r, lane, await pass(r, '晋D22002'));
    expect(d).toMatchObject({ outcome: 'PASS' });
    await expect.poll(() => barrier.state, { timeout: 10_000 }).toBe('open');
    const arm: ArmState[] = [];
    barrier.core.on('state', (s: ArmState) => arm.push(s));
    barrier.removeVehicle();
    // Cleared after the trailer gap, closing 2 s later.
    await expect.poll(() => barrier.state, { timeout: 10_000 }).toBe('closing');
    await new Promise((res) => setTimeout(res, 400));
    barrier.setDetector('photo-eye', true); // someone walks into the beam
    await expect.poll(() => barrier.state, { timeout: 5_000 }).toBe('open');
    await new Promise((res) => setTimeout(res, 4_000));
    expect(barrier.state).toBe('open'); // stays up while the beam is blocked
    barrier.setDetector('photo-eye', false);
    await expect.poll(() => barrier.state, { timeout: 15_000 }).toBe('closed');
    expect(barrier.violations).toEqual([]);
    expect(arm).toEqual(['closing', 'opening', 'open', 'closing', 'closed']);
  }, 60_000);

  it('a photo-eye stuck for longer than stuckAfterMs raises a detector-stuck alarm, ended when it is clear', async (ctx) => {
    const { expect } = ctx;
    const r = await start(ctx, { stuckAfterMs: 1_000 });
    const barrier = r.site.lane('east-1').barrier;
    barrier.setDetector('photo-eye', true);
    await expect
      .poll(() => of(r, 'east-1', 'alarm').filter((a) => a.data.kind === 'detector-stuck'), {
        timeout: 5_000,
      })
      .toHaveLength(1);
    const raised = of(r, 'east-1', 'alarm').find((a) => a.data.kind === 'detector-stuck')?.data;
    expect(raised).toMatchObject({
      lane: 'east-1',
      active: true,
      params: { detector: 'photo-eye', role: 'presence', detectorKind: 'photo-eye', minutes: 1, code: 404 },
    });
    barrier.setDetector('photo-eye', false);
    await expect
      .poll(() =>
        of(r, 'east-1', 'alarm')
          .filter((a) => a.data.kind === 'detector-stuck')
          .map((a) => a.data.active),
      )
      .toEqual([true, false]);
    // The kiosk words it from its kind and params (in the screen's language, Chinese by default).
    const words = wordAlarm('detector-stuck', raised.params);
    expect(words.title).toBe('栏杆检测器卡住');
    expect(words.what).toBe('栏杆检测器 photo-eye 已连续 1 分钟检测到车辆');
  });
});
