import { describe, expect, it } from 'vitest';
import type { SensorHealthEvent } from '../../devices/events.ts';
import { mismatchOf } from '../../gateway/yard/reconcile.ts';
import { BAY_STATES } from '../../gateway/yard/yard-payloads.ts';
import { bayReading as reading, staff, startYard } from './support.ts';

const GRACE = 60_000;

function health(bayId: string, state: 'online' | 'offline', at: number): SensorHealthEvent {
  return { bayId, bus: 'bus-1', address: Number(bayId.slice(2)), state, at };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('what the records expect a bay sensor to see', () => {
  it('a truck where the records say free or blocked, or no truck where they say one stands, is a mismatch', () => {
    const seen = BAY_STATES.map((s) => [s, mismatchOf(s, true), mismatchOf(s, false)]);
    expect(seen).toEqual([
      ['free', 'truck-in-empty-bay', undefined],
      ['reserved', undefined, undefined],
      ['occupied', undefined, 'bay-empty'],
      ['sampled', undefined, 'bay-empty'],
      ['overdue', undefined, 'bay-empty'],
      ['cleared', undefined, 'bay-empty'],
      ['isolation', undefined, 'bay-empty'],
      ['blocked', 'truck-in-empty-bay', undefined],
    ]);
  });
});

describe('bay sensors reconciled with the records', () => {
  it('a truck seen in its reserved bay has arrived (recorded once, by the sensor)', async () => {
    const h = startYard({ sensorGraceMs: GRACE });
    await h.yard.reserve({
      zoneKind: 'parking',
      plate: 'S-1',
      lane: 'east-1',
      transitId: 't-s1',
      reason: 'yard',
    });
    h.yard.handleBayEvent(reading('P-0001', true, h.clock.now()));
    h.yard.handleBayEvent(reading('P-0001', true, h.clock.now()));
    await h.yard.settle();
    expect(h.yard.view('P-0001')).toMatchObject({
      state: 'occupied',
      sensor: { state: 'online', occupied: true },
    });
    expect(h.log.ofType('truck-arrived').map((r) => r.data)).toEqual([
      expect.objectContaining({ bay: 'P-0001', by: { kind: 'sensor' } }),
    ]);
  });

  it('a truck in a bay the records call free is an alert after the grace time, and resolved when it leaves', async () => {
    const h = startYard({ sensorGraceMs: GRACE });
    h.yard.handleBayEvent(reading('P-0005', true, h.clock.now()));
    await h.clock.advance(GRACE - 1);
    expect(h.log.ofType('alert')).toHaveLength(0);
    await h.clock.advance(1);
    expect(h.log.ofType('alert').map((r) => r.data)).toEqual([
      expect.objectContaining({ kind: 'sensor-mismatch', bay: 'P-0005' }),
    ]);
    expect(h.yard.view('P-0005')).toMatchObject({
      state: 'free',
      sensor: { mismatch: 'truck-in-empty-bay' },
    });
    expect(h.yard.summary().sensors).toEqual({ offline: 0, mismatches: 1 });
    h.yard.handleBayEvent(reading('P-0005', false, h.clock.now()));
    await settle();
    expect(h.log.ofType('alert').map((r) => (r.data as { kind: string }).kind)).toEqual([
      'sensor-mismatch',
      'sensor-mismatch-resolved',
    ]);
    expect(h.yard.view('P-0005')?.sensor).toEqual({ state: 'online', occupied: false });
  });

  it('an empty bay the records say holds a truck is an alert, unless the truck is back within the grace time', async () => {
    const h = startYard({ sensorGraceMs: GRACE });
    await h.yard.assign({ plate: 'S-2', zoneKind: 'parking', arrived: true, reason: 'x' }, staff);
    h.yard.handleBayEvent(reading('P-0001', true, h.clock.now()));
    h.yard.handleBayEvent(reading('P-0001', false, h.clock.now()));
    await h.clock.advance(GRACE / 2);
    h.yard.handleBayEvent(reading('P-0001', true, h.clock.now()));
    await h.clock.advance(GRACE * 2);
    expect(h.log.ofType('alert')).toHaveLength(0);
    h.yard.handleBayEvent(reading('P-0001', false, h.clock.now()));
    await h.clock.advance(GRACE);
    expect(h.log.ofType('alert').map((r) => r.data)).toEqual([
      expect.objectContaining({ kind: 'sensor-mismatch', bay: 'P-0001' }),
    ]);
    expect(h.yard.view('P-0001')?.sensor.mismatch).toBe('bay-empty');
    // The coordinator releases the truck: the records now agree with the sensor.
    await h.yard.release('P-0001', 'gone', staff);
    await settle();
    expect(h.log.ofType('alert').at(-1)?.data).toMatchObject({ kind: 'sensor-mismatch-resolved' });
  });

  it('a sensor offline is shown per bay and counted; the records still hold', async () => {
    const h = startYard({ sensorGraceMs: GRACE });
    await h.yard.assign({ plate: 'S-3', zoneKind: 'parking', arrived: true, reason: 'x' }, staff);
    h.yard.handleSensorHealth(health('P-0001', 'offline', h.clock.now()));
    await h.clock.advance(GRACE * 2);
    expect(h.yard.view('P-0001')).toMatchObject({ state: 'occupied', sensor: { state: 'offline' } });
    expect(h.yard.summary().sensors).toEqual({ offline: 1, mismatches: 0 });
    expect(h.log.ofType('alert')).toHaveLength(0);
    expect(h.yard.view('P-0002')?.sensor).toEqual({ state: 'unknown' });
    expect(h.yard.view('I-0001')?.sensor).toEqual({ state: 'none' });
  });

  it('events for unknown bays and invalid events are ignored', async () => {
    const h = startYard({ sensorGraceMs: GRACE });
    const before = h.yard.views();
    h.yard.handleBayEvent(reading('Q-0001', true, h.clock.now()));
    h.yard.handleBayEvent({ ...reading('P-0001', true, h.clock.now()), address: 999 });
    h.yard.handleSensorHealth({
      ...health('P-0001', 'offline', h.clock.now()),
      state: 'sleepy' as 'offline',
    });
    await h.clock.advance(GRACE * 2);
    expect(h.yard.views()).toEqual(before);
    expect(h.log.records).toHaveLength(0);
  });
});
