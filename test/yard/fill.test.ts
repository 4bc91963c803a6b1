import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { createBaySensorDriver } from '../../devices/bay-sensor/driver.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import type { BayView } from '../../gateway/yard/yard-payloads.ts';
import { InProcessAttachment } from '../../sim/attach/attachment.ts';
import { SimBaySensorBus } from '../../sim/devices/bay-sensor/bus.ts';
import {
  demoYardConfig,
  fromStore,
  request,
  retainedYard,
  startYardStack,
  withoutSensor,
  type YardStack,
} from './stack.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The retained topics a fresh page sees must be what the store says, bay for bay, and the summary too. */
async function expectBrokerMatchesStore(s: YardStack) {
  await s.yard.settle();
  const retained = await retainedYard(s.broker.url ?? '', 1200);
  const store = fromStore(s.dbPath, retained.summary.at, retained.summary.sensors);
  expect(store.report.skipped).toBe(0);
  expect(retained.bays.size).toBe(store.views.size);
  for (const [bay, view] of store.views)
    expect(withoutSensor(retained.bays.get(bay) as BayView), bay).toEqual(view);
  expect(retained.summary).toEqual(store.summary);
  return retained;
}

const inStates = (s: YardStack, states: string[]) =>
  s.yard.views().filter((v) => states.includes(v.state)).length;

describe('end to end: the yard filled to 1,200 and cleared, with the simulated bay sensors', () => {
  it('fills every bay through the lanes, the coordinators and the sensors, clears it, and the broker always matches the store', async () => {
    const clock = new ScaledClock(1);
    const s = await startYardStack({ clock });
    cleanup.push(() => s.stop());

    // The simulated sensor buses of the demo yard, and the real driver reading them over Modbus RTU.
    const hub = new InProcessSerialHub();
    const attachment = new InProcessAttachment(hub);
    const config = demoYardConfig();
    const buses = config.baySensorBuses.map((b) => new SimBaySensorBus(b, attachment));
    await Promise.all(buses.map((b) => b.start()));
    cleanup.push(() => Promise.all(buses.map((b) => b.stop())));
    const sim = new Map(buses.flatMap((b) => b.labels().map((l) => [l, b] as const)));
    const driver = createBaySensorDriver({
      buses: config.baySensorBuses,
      opener: hub,
      clock,
      log: silentLogger(),
    });
    const unlisten = s.yard.listenTo(driver);
    driver.start();
    cleanup.push(async () => {
      unlisten();
      await driver.stop();
    });
    await expect
      .poll(() => s.yard.views().filter((v) => v.sensor.state === 'online').length, { timeout: 20_000 })
      .toBe(1200);

    // Lanes: 900 YARD and 100 ISOLATE decisions from four lanes at once.
    const lanes = ['east-1', 'east-2', 'west-1', 'west-2'];
    const trucks = Array.from({ length: 1000 }, (_, i) => ({
      zoneKind: i < 900 ? ('parking' as const) : ('isolation' as const),
      plate: `晋D${String(10000 + i)}`,
      lane: lanes[i % 4] ?? 'east-1',
      transitId: `transit-${i}`,
      reason: i < 900 ? 'no-recent-test' : 'fever',
    }));
    const reserved = await Promise.all(trucks.map((t) => s.yard.reserve(t)));
    expect(reserved.every((r) => r.ok)).toBe(true);
    const bays = reserved.flatMap((r) => (r.ok ? [r.bay] : []));
    expect(new Set(bays).size).toBe(1000);
    // Coordinators: 200 hand-over trucks, over MQTT.
    const handover = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(s.page, 'assign', { plate: `HO-${i}`, zoneKind: 'handover' }, `assign-${i}`),
      ),
    );
    expect(handover.every((r) => r.status === 'ok')).toBe(true);
    // Full: the next truck of each kind is refused (an alarm, the lane's REVIEW), never double booked.
    expect(
      await s.yard.reserve({ ...trucks[0], plate: 'LATE-1', transitId: 't-late-1' } as (typeof trucks)[0]),
    ).toMatchObject({
      ok: false,
      reason: 'zone-full',
    });
    expect(
      await s.yard.reserve({
        zoneKind: 'isolation',
        plate: 'LATE-2',
        lane: 'west-1',
        transitId: 't-late-2',
        reason: 'fever',
      }),
    ).toMatchObject({ ok: false, reason: 'zone-full' });
    expect(
      await request(s.page, 'assign', { plate: 'LATE-3', zoneKind: 'handover' }, 'late-3'),
    ).toMatchObject({
      status: 'error',
      data: { reason: 'zone-full' },
    });
    expect(s.yard.summary().counts).toMatchObject({ reserved: 1200, free: 0 });

    // The trucks drive into their bays: the sensors see them, the yard records the arrivals.
    for (const [label, bus] of sim) bus.occupy(label);
    await expect
      .poll(() => inStates(s, ['occupied', 'isolation']), { timeout: 30_000, interval: 200 })
      .toBe(1200);
    const full = await expectBrokerMatchesStore(s);
    expect(full.summary).toMatchObject({
      trucks: 1200,
      counts: { occupied: 1100, isolation: 100, free: 0 },
      sensors: { offline: 0, mismatches: 0 },
      next: {},
    });
    expect(full.summary.zones.filter((z) => z.bays > 0).every((z) => z.full)).toBe(true);
    expect(
      [...full.bays.values()].every((v) => v.sensor.state === 'online' && v.sensor.occupied === true),
    ).toBe(true);

    // Clear it. Parking through the API, hand-over through the coordinators' MQTT requests.
    const parking = s.yard.views().filter((v) => v.zoneKind === 'parking');
    await Promise.all(parking.map((v) => s.yard.sample(v.bay, 'antigen', { kind: 'staff', id: 'S-1' })));
    await Promise.all(
      parking.map((v) => s.yard.result(v.bay, { result: 'negative' }, { kind: 'staff', id: 'S-1' })),
    );
    const hoBays = s.yard
      .views()
      .filter((v) => v.zoneKind === 'handover')
      .map((v) => v.bay);
    for (const [action, data] of [
      ['sample', { kind: 'antigen' }],
      ['result', { result: 'negative' }],
    ] as const) {
      const replies = await Promise.all(
        hoBays.map((bay, i) => request(s.page, action, { bay, ...data }, `${action}-${i}`)),
      );
      expect(replies.every((r) => r.status === 'ok')).toBe(true);
    }
    expect(s.yard.summary().counts).toMatchObject({ cleared: 1100, isolation: 100 });
    // The exit lane: a cleared truck leaves and frees its bay; an isolated one stays shut, with the reason.
    expect(s.yard.checkExit('晋D10950')).toMatchObject({ allowed: false, reason: 'isolation' });
    const exits = await Promise.all(
      s.yard
        .views()
        .filter((v) => v.state === 'cleared')
        .map((v) => s.yard.exit({ plate: v.truck?.plate ?? '', lane: 'yard-exit' })),
    );
    expect(exits.every((e) => e.allowed)).toBe(true);
    // Isolated trucks are taken away by the coordinators; their bays are disinfected, then unblocked.
    const isoBays = s.yard
      .views()
      .filter((v) => v.state === 'isolation')
      .map((v) => v.bay);
    const released = await Promise.all(
      isoBays.map((bay, i) => request(s.page, 'release', { bay, reason: 'to hospital' }, `release-${i}`)),
    );
    expect(released.every((r) => r.status === 'ok' && r.data.bays[0].state === 'blocked')).toBe(true);
    for (const [label, bus] of sim) bus.free(label);
    const unblocked = await Promise.all(
      isoBays.map((bay, i) => request(s.page, 'unblock', { bay }, `unblock-${i}`)),
    );
    expect(unblocked.every((r) => r.status === 'ok')).toBe(true);
    await expect
      .poll(() => s.yard.views().filter((v) => v.sensor.occupied === false).length, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(1200);

    const empty = await expectBrokerMatchesStore(s);
    expect(empty.summary).toMatchObject({
      trucks: 0,
      counts: { free: 1200 },
      awaiting: 0,
      overdue: 0,
      sensors: { offline: 0, mismatches: 0 },
      dwellMinutes: { count: 0 },
    });
    // Every change is a record of the yard stream: 1,200 arrivals, 1,100 exits, 100 releases.
    const types = new Map<string, number>();
    for (let from = 1; ; ) {
      const page = s.store.readStream('yard', from, 1000);
      for (const r of page) types.set(r.type, (types.get(r.type) ?? 0) + 1);
      if (page.length < 1000) break;
      from = (page.at(-1)?.seq ?? 0) + 1;
    }
    expect(Object.fromEntries(types)).toMatchObject({
      'bay-reserved': 1200,
      'truck-arrived': 1200,
      'sample-recorded': 1100,
      'result-recorded': 1100,
      'truck-exited': 1100,
      'bay-released': 100,
      'bay-unblocked': 100,
      alert: 3, // the three zone-full refusals
    });
    expect(types.has('request-refused')).toBe(true); // the refused hand-over assignment, audited
  }, 180_000);
});
