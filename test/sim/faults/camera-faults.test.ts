import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, ScaledClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { CameraTemperatureEvent, PlateSightingEvent } from '../../../devices/camera/camera-events.ts';
import { CameraListener } from '../../../devices/camera/listener.ts';
import { checkScenarioAgainstSite, parseScenario } from '../../../sim/scenario/load.ts';
import { SimulationRun } from '../../../sim/scenario/run.ts';
import { FaultEntrySchema } from '../../../sim/scenario/schema.ts';
import { SimulatedSite } from '../../../sim/site.ts';
import type { SimEvent } from '../../../sim/traffic/sim-events.ts';
import { loadConfigFile, parseConfig } from '../../../site-config/load.ts';
import type { SiteConfig } from '../../../site-config/schema.ts';
import { DEMO_CONFIG, isolatedChips } from '../support/sim-run.ts';

/**
 * Camera faults from a scenario (camera-offline, camera-malformed, camera-oversized) on a
 * simulated site whose plate and thermal cameras push to the real camera listener
 * (devices/camera/listener.ts) over HTTP on loopback: what the listener receives and answers.
 */
const MAX_BODY = 256 * 1024;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/**
 * Lane `cam` has a plate and a thermal camera, lane `plain` a plate camera only; both have a
 * scanner (in-process) and a GPIO barrier.
 */
function cameraSiteConfig(): SiteConfig {
  const lane = (id: string, first: number) => ({
    id,
    name: id,
    devices: {
      scanner: { port: { path: `/sim/${id}-scanner`, baudRate: 9600 } },
      barrier: {
        kind: 'gpio',
        chip: 'virtual',
        lines: {
          open: first,
          close: first + 1,
          limitOpen: first + 2,
          limitClosed: first + 3,
          loop: first + 4,
        },
      },
    },
  });
  return parseConfig({
    version: 1,
    site: { id: 'camera-fault-test', name: 'Camera fault test' },
    checkpoints: [{ id: 'cp', name: 'Checkpoint', lanes: [lane('cam', 1), lane('plain', 11)] }],
    yard: {
      zones: [{ id: 'parking', name: 'Parking', kind: 'parking', bays: [{ prefix: 'P', from: 1, to: 4 }] }],
    },
    cameras: {
      enabled: true,
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: MAX_BODY,
      repeatWindowMs: 0,
      plate: [
        { id: 'cam-plate', lane: 'cam', secret: 'cam-plate-secret-0001' },
        { id: 'plain-plate', lane: 'plain', secret: 'plain-plate-secret-01' },
      ],
      thermal: [{ id: 'cam-thermal', lane: 'cam', secret: 'cam-thermal-secret-01' }],
    },
  });
}

interface Refusal {
  camera: string;
  kind: string;
  message: string;
}

interface CameraRig {
  config: SiteConfig;
  clock: ManualClock;
  site: SimulatedSite;
  run: SimulationRun;
  listener: CameraListener;
  events: SimEvent[];
  sightings: PlateSightingEvent[];
  temperatures: CameraTemperatureEvent[];
  refusals: Refusal[];
  /** Requests the listener received from a camera, by camera id. */
  pushes(camera: string): number;
}

/** The listener on loopback, the site's cameras pointed at it, and a run of `timeline` with no traffic. */
async function cameraRig(timeline: Record<string, unknown>[] = []): Promise<CameraRig> {
  const config = cameraSiteConfig();
  const sightings: PlateSightingEvent[] = [];
  const temperatures: CameraTemperatureEvent[] = [];
  const listener = await CameraListener.start({
    config: config.cameras,
    clock: new ScaledClock(1),
    log: silentLogger(),
    commit: {
      sighting: async (e) => {
        sightings.push(e);
      },
      temperature: async (e) => {
        temperatures.push(e);
      },
    },
  });
  closers.push(() => listener.stop());
  const refusals: Refusal[] = [];
  for (const camera of ['cam-plate', 'cam-thermal', 'plain-plate'])
    listener.events(camera)?.on('error', (e) => refusals.push({ camera, kind: e.kind, message: e.message }));

  const clock = new ManualClock();
  const site = new SimulatedSite(config, { attach: 'in-process', clock, gpioChip: isolatedChips() });
  await site.start();
  closers.push(() => site.stop());
  site.cameras.attach(`http://127.0.0.1:${listener.port}`);
  const scenario = parseScenario({ traffic: { default: { arrivalsPerHour: 0 } }, timeline });
  checkScenarioAgainstSite(scenario, config);
  const run = new SimulationRun({ site, scenario, seed: 11, clock });
  const events: SimEvent[] = [];
  run.log.onEvent((e) => events.push(e));
  run.start();
  closers.push(async () => run.stop());
  return {
    config,
    clock,
    site,
    run,
    listener,
    events,
    sightings,
    temperatures,
    refusals,
    pushes: (camera) => listener.list().find((c) => c.id === camera)?.counts.pushes ?? 0,
  };
}

/** What the camera got for its last push: the statuses counted since `before`. */
function newStatuses(rig: CameraRig, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [status, n] of Object.entries(rig.site.cameras.statuses)) {
    const d = n - (before[status] ?? 0);
    if (d > 0) out[status] = d;
  }
  return out;
}

/** One plate read by the lane's plate camera, awaited; the statuses it got. */
async function plateRead(rig: CameraRig, lane: string, plate: string): Promise<Record<string, number>> {
  const before = { ...rig.site.cameras.statuses };
  await rig.site.cameras.plateSeen(lane, plate, 'yellow', 'read');
  return newStatuses(rig, before);
}

/** One measurement by the lane's thermal camera, awaited; the statuses it got. */
async function measurement(rig: CameraRig, lane: string, objectC: number): Promise<Record<string, number>> {
  const before = { ...rig.site.cameras.statuses };
  await rig.site.cameras.temperatureSeen(lane, objectC, 'celsius');
  return newStatuses(rig, before);
}

const faultEvents = (rig: CameraRig) =>
  rig.events.filter((e) => e.kind === 'fault' || (/ camera$/.test(e.subject) && e.action === 'setFault'));

describe('camera faults from a scenario, on the wire to the camera listener', () => {
  it('camera-offline: the plate camera pushes nothing during `for`, then pushes again; the thermal camera is unaffected', async () => {
    const rig = await cameraRig([
      { at: '10m', fault: 'camera-offline', lane: 'cam', device: 'plate', for: '2m' },
    ]);
    expect(await plateRead(rig, 'cam', '晋D10001')).toEqual({ 200: 1 });
    expect(rig.pushes('cam-plate')).toBe(1);

    await rig.clock.advance(10 * 60_000);
    expect(await plateRead(rig, 'cam', '晋D10002')).toEqual({ 0: 1 });
    expect(await plateRead(rig, 'cam', '晋D10003')).toEqual({ 0: 1 });
    expect(rig.pushes('cam-plate')).toBe(1);
    expect(await measurement(rig, 'cam', 36.7)).toEqual({ 200: 1 });
    expect(rig.pushes('cam-thermal')).toBe(1);

    await rig.clock.advance(2 * 60_000);
    expect(await plateRead(rig, 'cam', '晋D10004')).toEqual({ 200: 1 });
    expect(rig.pushes('cam-plate')).toBe(2);
    expect(rig.sightings.map((s) => s.plate)).toEqual(['晋D10001', '晋D10004']);
    expect(rig.temperatures.map((t) => t.objectC)).toEqual([36.7]);

    expect(faultEvents(rig).map((e) => [e.t, e.subject, e.action, e.detail])).toEqual([
      [600_000, 'camera-offline cam plate', 'inject', undefined],
      [600_000, 'cam plate camera', 'setFault', 'offline'],
      [720_000, 'camera-offline cam plate', 'clear', undefined],
      [720_000, 'cam plate camera', 'setFault', 'none'],
    ]);
    expect(Object.fromEntries(rig.run.traffic.stats.faults)).toEqual({ 'camera-offline': 1 });
    expect(rig.run.faults.activeFaults()).toEqual([]);
  });

  it('camera-malformed: the thermal camera pushes a cut-off body during `for` and the listener answers 400', async () => {
    const rig = await cameraRig([
      { at: '12m', fault: 'camera-malformed', lane: 'cam', device: 'thermal', for: '1m' },
    ]);
    await rig.clock.advance(12 * 60_000);
    expect(rig.run.faults.activeFaults()).toEqual([
      { id: 1, label: 'camera-malformed cam thermal', until: 13 * 60_000 },
    ]);
    expect(await measurement(rig, 'cam', 36.9)).toEqual({ 400: 1 });
    expect(await measurement(rig, 'cam', 37.1)).toEqual({ 400: 1 });
    expect(rig.pushes('cam-thermal')).toBe(2);
    expect(rig.refusals.map((r) => r.camera)).toEqual(['cam-thermal', 'cam-thermal']);
    expect(rig.temperatures).toEqual([]);
    // The plate camera of the same lane is not the faulty one.
    expect(await plateRead(rig, 'cam', '晋D20001')).toEqual({ 200: 1 });

    await rig.clock.advance(60_000);
    expect(await measurement(rig, 'cam', 36.6)).toEqual({ 200: 1 });
    expect(rig.temperatures.map((t) => t.objectC)).toEqual([36.6]);
  });

  it('camera-malformed on the plate camera: a cut-off ANPR XML, refused with 400 and stored as nothing', async () => {
    const rig = await cameraRig();
    await rig.run.faults.inject(
      FaultEntrySchema.parse({ at: 0, fault: 'camera-malformed', lane: 'cam', device: 'plate', count: 1 }),
    );
    expect(await plateRead(rig, 'cam', '晋D30001')).toEqual({ 400: 1 });
    expect(rig.refusals).toHaveLength(1);
    expect(rig.refusals[0]?.camera).toBe('cam-plate');
    expect(await plateRead(rig, 'cam', '晋D30002')).toEqual({ 200: 1 });
    expect(rig.sightings.map((s) => s.plate)).toEqual(['晋D30002']);
  });

  it('camera-oversized with a count: that many pushes over cameras.maxBodyBytes get 413, the next is taken', async () => {
    const rig = await cameraRig([
      { at: '14m', fault: 'camera-oversized', lane: 'cam', device: 'plate', count: 3 },
    ]);
    await rig.clock.advance(14 * 60_000);
    // A count is not a duration: nothing is held, the camera counts its pushes down.
    expect(rig.run.faults.activeFaults()).toEqual([]);
    for (let i = 1; i <= 3; i++) expect(await plateRead(rig, 'cam', `晋D4000${i}`)).toEqual({ 413: 1 });
    expect(rig.pushes('cam-plate')).toBe(3);
    expect(rig.refusals).toHaveLength(3);
    for (const r of rig.refusals) {
      expect(r).toMatchObject({ camera: 'cam-plate', kind: 'too-large' });
      expect(r.message).toContain(`cameras.maxBodyBytes (${MAX_BODY} bytes)`);
    }
    expect(await plateRead(rig, 'cam', '晋D40004')).toEqual({ 200: 1 });
    expect(rig.sightings.map((s) => s.plate)).toEqual(['晋D40004']);
    expect(faultEvents(rig).map((e) => [e.subject, e.action, e.detail])).toEqual([
      ['camera-oversized cam plate', 'inject', undefined],
      ['cam plate camera', 'setFault', 'oversized ×3'],
    ]);
  });

  it('camera-oversized on the thermal camera: a face capture with a picture over the cap, 413 until cleared', async () => {
    const rig = await cameraRig();
    await rig.run.faults.inject(
      FaultEntrySchema.parse({ at: 0, fault: 'camera-oversized', lane: 'cam', device: 'thermal' }),
    );
    expect(await measurement(rig, 'cam', 36.8)).toEqual({ 413: 1 });
    expect(rig.refusals[0]).toMatchObject({ camera: 'cam-thermal', kind: 'too-large' });
    // The kind's default `for` is 30 s.
    await rig.clock.advance(29_999);
    expect(await measurement(rig, 'cam', 36.8)).toEqual({ 413: 1 });
    await rig.clock.advance(1);
    expect(await measurement(rig, 'cam', 36.8)).toEqual({ 200: 1 });
    expect(rig.temperatures.map((t) => t.objectC)).toEqual([36.8]);
  });
});

describe('a camera fault must name a camera the lane has', () => {
  const problems = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (e) {
      return (
        (e as { details?: { problems?: { path: string; message: string }[] } }).details?.problems ?? []
      ).map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error('expected the scenario to be refused');
  };

  it('the scenario is refused against the site, naming the lane and the camera it lacks', () => {
    const config = cameraSiteConfig();
    const scenario = parseScenario({
      timeline: [
        { at: 0, fault: 'camera-offline', lane: 'plain', device: 'thermal' },
        { at: 0, fault: 'camera-oversized', lane: 'plain', device: 'plate', count: 2 },
        { at: 0, fault: 'camera-malformed', lane: 'cam', device: 'thermal' },
      ],
    });
    expect(problems(() => checkScenarioAgainstSite(scenario, config, 'storm.yaml'))).toEqual([
      'timeline[0].device: lane plain has no thermal camera',
    ]);
    // The demo site has no cameras at all.
    const demo = loadConfigFile(DEMO_CONFIG);
    expect(
      problems(() =>
        checkScenarioAgainstSite(
          parseScenario({
            timeline: [{ at: '10m', fault: 'camera-offline', lane: 'east-1', device: 'plate' }],
          }),
          demo,
        ),
      ),
    ).toEqual(['timeline[0].device: lane east-1 has no plate camera (cameras.enabled is false)']);
  });

  it('the schema wants `device: plate` or `thermal` on a camera fault, and no camera on a serial one', () => {
    expect(
      problems(() =>
        parseScenario({
          timeline: [
            { at: 0, fault: 'camera-offline', lane: 'cam' },
            { at: 0, fault: 'camera-malformed', lane: 'cam', device: 'scanner' },
            { at: 0, fault: 'camera-oversized', device: 'plate' },
            { at: 0, fault: 'unplug', lane: 'cam', device: 'thermal' },
            { at: 0, fault: 'camera-offline', lane: 'cam', device: 'infrared' },
          ],
        }),
      ),
    ).toEqual([
      'timeline[0].device: camera-offline needs device: plate or thermal',
      'timeline[1].device: camera-malformed needs device: plate or thermal',
      'timeline[2].lane: camera-oversized needs a lane',
      'timeline[3].device: unplug takes a serial device, not a camera',
      expect.stringMatching(/^timeline\[4\]\.device: Invalid option/),
    ]);
  });

  it('injected straight into a run, a fault on a missing camera fails with the same words and changes nothing', async () => {
    const rig = await cameraRig();
    await expect(
      rig.run.faults.inject(
        FaultEntrySchema.parse({ at: 0, fault: 'camera-offline', lane: 'plain', device: 'thermal' }),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound, message: 'lane plain has no thermal camera' });
    expect(rig.run.faults.activeFaults()).toEqual([]);
    expect(await plateRead(rig, 'plain', '晋D50001')).toEqual({ 200: 1 });
    expect(rig.pushes('plain-plate')).toBe(1);
  });
});
