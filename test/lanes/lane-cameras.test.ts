import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import { silentLogger } from '../../core/logger.ts';
import type { PlateColour } from '../../core/plate-colour.ts';
import type { CameraTemperatureEvent, PlateSightingEvent } from '../../devices/camera/camera-events.ts';
import type { LaneCameraEvents } from '../../gateway/cameras/camera-wiring.ts';
import { PreRegistrationStore } from '../../gateway/downlink/pre-registrations.ts';
import { migrate } from '../../gateway/store/migrations.ts';
import { lane } from './lane-harness.ts';

/** A lane with its camera feed: sightings and camera temperatures as gateway/cameras/ hands them over. */
function withCameras(opts: Parameters<typeof lane>[0] = {}) {
  const l = lane(opts);
  const feed = new EventBus<LaneCameraEvents>(silentLogger());
  l.controller.attachCameras(feed);
  const sight = (plate: string, colour: PlateColour = 'blue') => {
    const e: PlateSightingEvent = {
      camera: `${l.controller.id}-plate`,
      lane: l.controller.id,
      plate,
      colour,
      colourCode: colour === 'yellow' ? 1 : 0,
      reads: 1,
      late: false,
      pictures: [],
      at: l.clock.now(),
    };
    feed.emit('sighting', e);
  };
  const thermal = (objectC: number) => {
    const e: CameraTemperatureEvent = {
      camera: `${l.controller.id}-thermal`,
      lane: l.controller.id,
      source: 'camera',
      objectC,
      value: objectC,
      unit: 'celsius',
      eventType: 'TMA',
      pictures: [],
      at: l.clock.now(),
    };
    feed.emit('temperature', e);
  };
  return { ...l, sight, thermal };
}

/** The harness's ManualClock starts here. */
const START = Date.UTC(2026, 10, 22, 8, 0, 0);
const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

/** The downlink's real store of announcements, on a fresh SQLite database, holding one truck. */
function announced(now: number) {
  const db = new Database(':memory:');
  dbs.push(db);
  migrate(db);
  const store = new PreRegistrationStore(db);
  const s = Math.floor(now / 1000);
  store.apply(
    {
      mode: 'full',
      remove: [],
      upsert: [
        {
          id: 'r-81',
          plate: '冀A12345',
          plateColour: 'yellow',
          crew: [{ role: 'driver', name: '张三', idNumber: '110101199003071234' }],
          destination: '北京新发地',
          validFrom: s - 3600,
          validUntil: s + 86_400,
        },
      ],
    },
    'env-1',
    now,
  );
  return store;
}

describe('a plate camera on an entry lane', () => {
  it("the sighting joins the transit: the pass's plate is the camera's, PASS, the decision records plate, colour and sighting", async () => {
    const l = withCameras();
    await l.controller.start();
    l.drive.arrive();
    l.sight('晋D1', 'yellow');
    l.drive.scan('GREEN-TESTED');
    l.drive.measure(36.5);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({
      outcome: 'PASS',
      plate: '晋D1',
      plateColour: 'yellow',
      sighting: { camera: 'east-1-plate', plate: '晋D1', colour: 'yellow' },
    });
    expect(new Set(l.records.map((r) => r.data.transitId)).size).toBe(1);
    expect(l.barrier.commands).toEqual(['open']);
  });

  it('a pass for another plate than the camera read: REVIEW plate-mismatch, the barrier stays shut', async () => {
    const l = withCameras();
    await l.controller.start();
    l.drive.arrive();
    l.sight('晋D7');
    l.drive.scan('GREEN-TESTED');
    l.drive.measure(36.5);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW', plate: '晋D7' });
    expect(l.decision()?.reasons[0]).toMatchObject({ code: 'plate-mismatch', outcome: 'REVIEW' });
    expect(l.barrier.commands).toEqual([]);
  });

  it('a sighting before the truck is on the loop waits for it, as a scan does; a late mismatching read escalates a PASS', async () => {
    const l = withCameras();
    await l.controller.start();
    l.sight('晋D1');
    await l.controller.idle();
    expect(l.of('transit-start')[0]).toMatchObject({ trigger: 'sighting' });
    expect(l.of('decision')).toEqual([]);
    l.drive.truck('GREEN-TESTED');
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'PASS' });
    l.sight('晋D8'); // another read while the truck is on the loop: a late input
    await l.controller.idle();
    expect(l.lastDecision()).toMatchObject({ outcome: 'REVIEW', trigger: 'sighting' });
    expect(l.lastDecision()?.reasons.map((r: { code: string }) => r.code)).toContain('plate-mismatch');
  });

  it("a plate staff register without a colour takes the camera's colour of that plate, not of another", async () => {
    const reg = { plate: '晋D 5', name: '李四', idNumber: '140105199001011234' };
    const same = withCameras({ thermometer: false });
    await same.controller.start();
    same.drive.arrive();
    same.sight('晋D5', 'yellow');
    await same.controller.register(reg);
    expect(same.lastDecision()).toMatchObject({ plate: '晋D 5', plateColour: 'yellow' });
    const other = withCameras({ thermometer: false });
    await other.controller.start();
    other.drive.arrive();
    other.sight('晋D6', 'yellow');
    await other.controller.register(reg);
    expect(other.lastDecision()?.plate).toBe('晋D 5');
    expect(other.lastDecision()?.plateColour).toBeUndefined();
  });

  it('in maintenance a sighting starts nothing', async () => {
    const l = withCameras({ maintenance: { reason: 'works' } });
    await l.controller.start();
    l.sight('晋D1');
    await l.controller.idle();
    expect(l.of('transit-start')).toEqual([]);
  });
});

describe('a plate camera at a yard exit', () => {
  it('finds the truck by its plate without a scan: the yard is asked by plate, PASS yard-cleared', async () => {
    const l = withCameras({ id: 'yard-exit-1', kind: 'yard-exit', thermometer: false });
    await l.controller.start();
    l.drive.arrive();
    l.sight('晋D77777');
    await l.controller.idle();
    expect(l.exits).toEqual([expect.objectContaining({ plate: '晋D77777' })]);
    expect(l.decision()).toMatchObject({
      outcome: 'PASS',
      plate: '晋D77777',
      reasons: [expect.objectContaining({ code: 'yard-cleared' })],
    });
    expect(l.barrier.commands).toEqual(['open']);
  });

  it('with a thermometer it waits for the reading; a fever keeps the truck in without asking the yard', async () => {
    const l = withCameras({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      rules: { feverConfirm: 'immediate' },
    });
    await l.controller.start();
    l.drive.arrive();
    l.sight('晋D77777');
    await l.controller.idle();
    expect(l.of('decision')).toEqual([]);
    l.drive.measure(38.6);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'ISOLATE' });
    expect(l.exits).toEqual([]);
  });

  it('the yard does not know the plate: REVIEW yard-not-cleared', async () => {
    const l = withCameras({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      thermometer: false,
      exit: async () => ({
        allowed: false,
        reason: 'unknown',
        message: 'no truck of that plate in the yard',
      }),
    });
    await l.controller.start();
    l.drive.arrive();
    l.sight('晋D55555');
    await l.controller.idle();
    expect(l.decision()).toMatchObject({
      outcome: 'REVIEW',
      reasons: [expect.objectContaining({ code: 'yard-not-cleared' })],
    });
  });
});

describe('a thermal camera', () => {
  it('its temperature is a reading of method camera: recorded with the camera, the person screened by it', async () => {
    const l = withCameras();
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('GREEN-TESTED');
    l.thermal(36.7);
    await l.controller.idle();
    expect(l.of('measurement')[0]).toMatchObject({
      objectC: 36.7,
      method: 'camera',
      camera: 'east-1-thermal',
      seat: 1,
    });
    expect(l.decision()).toMatchObject({ outcome: 'PASS', temperatureC: 36.7, trigger: 'measurement' });
  });

  it('a camera fever counts as screening: REVIEW recheck-required (immediate: ISOLATE)', async () => {
    const l = withCameras();
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('GREEN-TESTED');
    l.thermal(38.3);
    await l.controller.idle();
    expect(l.decision()?.reasons[0]).toMatchObject({ code: 'recheck-required', outcome: 'REVIEW' });
    const hot = withCameras({ rules: { feverConfirm: 'immediate' } });
    await hot.controller.start();
    hot.drive.arrive();
    hot.drive.scan('GREEN-TESTED');
    hot.thermal(38.3);
    await hot.controller.idle();
    expect(hot.decision()).toMatchObject({ outcome: 'ISOLATE' });
  });
});

describe('a pre-registered truck without a pass', () => {
  it('REVIEW pre-registered, the announcement in the decision record (no ID numbers), not no-pass', async () => {
    const l = withCameras({ thermometer: false });
    const l2 = withCameras({ thermometer: false, preRegistrations: announced(l.clock.now()) });
    for (const x of [l, l2]) {
      await x.controller.start();
      x.drive.arrive();
      x.sight('冀A12345', 'yellow');
      await x.controller.idle();
      await x.clock.advance(20_000); // the lane's timeout: no pass came
      await x.controller.idle();
    }
    expect(l.decision()?.reasons.map((r: { code: string }) => r.code)).toEqual(['no-pass']);
    const d = l2.decision();
    expect(d).toMatchObject({
      outcome: 'REVIEW',
      trigger: 'timeout',
      reasons: [expect.objectContaining({ code: 'pre-registered', outcome: 'REVIEW' })],
      preRegistration: {
        id: 'r-81',
        plate: '冀A12345',
        plateColour: 'yellow',
        crew: [{ role: 'driver', name: '张三' }],
        destination: '北京新发地',
      },
    });
    expect(JSON.stringify(d)).not.toContain('110101199003071234');
    expect(l2.barrier.commands).toEqual([]);
  });

  it('another colour of the plate is another truck: no-pass', async () => {
    const b = withCameras({ thermometer: false, preRegistrations: announced(START) });
    await b.controller.start();
    b.drive.arrive();
    b.sight('冀A12345', 'blue');
    await b.controller.idle();
    await b.clock.advance(20_000);
    await b.controller.idle();
    expect(b.decision()?.reasons.map((r: { code: string }) => r.code)).toEqual(['no-pass']);
    expect(b.decision()?.preRegistration).toBeUndefined();
  });

  it('rules.preRegisteredWithoutPass: PASS lets it through', async () => {
    const l = withCameras({
      thermometer: false,
      rules: { preRegisteredWithoutPass: 'PASS' },
      preRegistrations: announced(START),
    });
    await l.controller.start();
    l.drive.arrive();
    l.sight('冀A12345', 'yellow');
    await l.controller.idle();
    await l.clock.advance(20_000);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({
      outcome: 'PASS',
      reasons: [expect.objectContaining({ code: 'pre-registered', outcome: 'PASS' })],
    });
    expect(l.barrier.commands).toEqual(['open']);
  });
});
