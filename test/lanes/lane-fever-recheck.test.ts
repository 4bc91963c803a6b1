import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { LaneController } from '../../gateway/lanes/lane-controller.ts';
import { handleLaneRequest } from '../../gateway/lanes/staff-requests.ts';
import { lane } from './lane-harness.ts';

/**
 * A fever confirmed before isolation, on a lane (real controller, fake devices, ManualClock):
 * the screening fever is REVIEW recheck-required, a hand-entered or second screening reading
 * decides it either way; readings out of the ambient range; the calibration alarm.
 */
const PAUSE = 120_000;
const codes = (d: any) => d?.reasons.map((r: any) => r.code);

async function feverOnScreening(opts: Parameters<typeof lane>[0] = {}) {
  const l = lane(opts);
  await l.controller.start();
  await l.truckDecided('GREEN-TESTED', 38.4);
  return l;
}

describe('a screening fever waits for its confirmation', () => {
  it('is REVIEW recheck-required: no fever alarm, no bay, the barrier stays shut', async () => {
    const l = await feverOnScreening();
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW', by: 'rules' });
    expect(codes(l.decision())[0]).toBe('recheck-required');
    expect(l.alarms()).toEqual([]);
    expect(l.reservations).toEqual([]);
    expect(l.barrier.commands).toEqual([]);
    expect(l.of('measurement')[0]).toMatchObject({
      objectC: 38.4,
      method: 'screening',
      ambientC: 20,
      seat: 1,
    });
  });

  it('a normal contact reading staff enter passes it on: PASS, the barrier opens, the record names its method and staff', async () => {
    const l = await feverOnScreening();
    const d = await l.controller.enterReading({ value: 36.6, unit: 'C', method: 'contact' }, 'staff-7');
    expect(d).toMatchObject({ outcome: 'PASS' });
    expect(codes(l.lastDecision())).toEqual(['fever-not-confirmed', 'recent-negative-test']);
    expect(l.barrier.commands).toEqual(['open']);
    expect(l.alarms()).toEqual([]);
    expect(l.of('measurement')[1]).toEqual({
      lane: 'east-1',
      transitId: l.of('transit-start')[0]?.transitId,
      objectC: 36.6,
      method: 'contact',
      staffId: 'staff-7',
      seat: 1,
    });
    expect(l.controller.state().transit?.persons?.[0]?.temperatureC).toBe(36.6);
  });

  it('a hot handheld reading in °F confirms it: ISOLATE with its bay and alarms; the °F value is kept as entered', async () => {
    const l = await feverOnScreening();
    await l.controller.enterReading({ value: 100.4, unit: 'F', method: 'handheld-ir' }, 'staff-7');
    expect(l.lastDecision()).toMatchObject({ outcome: 'ISOLATE', bay: 'I-0001' });
    expect(l.lastDecision()?.reasons[0]?.detail).toContain('handheld-ir reading 38.0 °C confirms');
    expect(l.alarms()).toEqual(['fever', 'isolate']);
    expect(l.of('measurement')[1]).toMatchObject({
      objectC: 38,
      method: 'handheld-ir',
      entered: { value: 100.4, unit: 'F' },
    });
    expect(l.barrier.commands).toEqual([]);
  });

  it('a second screening fever after the pause confirms it; one before the pause does not', async () => {
    const l = await feverOnScreening();
    await l.clock.advance(PAUSE / 2);
    l.drive.measure(38.6);
    await l.controller.idle();
    expect(l.lastDecision()?.outcome).toBe('REVIEW');
    await l.clock.advance(PAUSE / 2);
    l.drive.measure(38.2);
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    expect(l.lastDecision()).toMatchObject({ outcome: 'ISOLATE', bay: 'I-0001' });
    expect(codes(l.lastDecision())[0]).toBe('fever');
    expect(l.alarms()).toEqual(['fever', 'isolate']);
  });

  it('on a lane without a loop the second screening joins the same transit', async () => {
    const l = lane({ hasLoop: false });
    await l.controller.start();
    l.drive.scan('GREEN-TESTED');
    l.drive.measure(38.4);
    await l.controller.idle();
    expect(l.lastDecision()?.outcome).toBe('REVIEW');
    await l.clock.advance(PAUSE);
    l.drive.measure(36.8);
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    expect(l.lastDecision()).toMatchObject({ outcome: 'PASS' });
    expect(l.barrier.commands).toEqual(['open']);
  });

  it('a reading taken in a cold wind is not trusted: REVIEW ambient-out-of-range, settled by hand', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('GREEN-TESTED');
    l.thermometer?.emit('measurement', {
      objectC: 35.1,
      ambientC: 4.5,
      readings: 8,
      windowMs: 2000,
      reason: 'stable-window',
      at: l.clock.now(),
    });
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW' });
    expect(codes(l.decision())[0]).toBe('ambient-out-of-range');
    await l.controller.enterReading({ value: 36.7, unit: 'C', method: 'contact' }, 'staff-7');
    expect(l.lastDecision()?.outcome).toBe('PASS');
  });

  it('a decision staff made is not undone by a reading', async () => {
    const l = await feverOnScreening();
    await l.controller.override('YARD', 'staff-7', 'holding the driver for a recheck');
    await l.controller.enterReading({ value: 36.6, unit: 'C', method: 'contact' }, 'staff-7');
    expect(l.of('decision').map((d) => d.outcome)).toEqual(['REVIEW', 'YARD']);
  });
});

describe('the reading request', () => {
  it('is audited with the staff id, and refused when it is no body temperature', async () => {
    const l = await feverOnScreening();
    const audits: any[] = [];
    const ctx = {
      lanes: new Map<string, LaneController>([['east-1', l.controller]]),
      log: pino({ level: 'silent' }),
      audit: async (_lane: string, entry: unknown) => {
        audits.push(entry);
      },
    };
    const send = (data: unknown) =>
      handleLaneRequest(
        ctx,
        'east-1',
        'reading',
        Buffer.from(JSON.stringify({ transaction: 't', staffId: '200101', data })),
      );
    expect(await send({ value: 95, unit: 'C', method: 'contact' })).toMatchObject({ status: 'error' });
    expect(await send({ value: 36.5, method: 'contact' })).toMatchObject({
      status: 'ok',
      data: { outcome: 'PASS' },
    });
    expect(audits).toEqual([
      expect.objectContaining({ action: 'reading', staffId: '200101', ok: false }),
      expect.objectContaining({
        action: 'reading',
        staffId: '200101',
        ok: true,
        detail: 'temperature 36.5 °C by contact',
      }),
    ]);
  });
});

describe('thermometer calibration on the lane', () => {
  it('overdue at start: the calibration-overdue alarm with its code, and the state shows it', async () => {
    const l = lane({
      laneConfig: { thermometer: { calibratedAt: '2026-01-01', calibrationIntervalDays: 30 } },
    });
    await l.controller.start();
    await l.controller.idle();
    expect(l.of('alarm')).toEqual([
      expect.objectContaining({
        kind: 'calibration-overdue',
        params: { device: 'thermometer', due: '2026-01-31', errorCode: 312, calibratedAt: '2026-01-01' },
      }),
    ]);
    expect(l.controller.state().calibration).toEqual({
      thermometer: { calibratedAt: '2026-01-01', dueAt: Date.UTC(2026, 0, 31), overdue: true },
    });
  });

  it('in date: no alarm, the due day in the state; none watched without an interval', async () => {
    const l = lane({
      laneConfig: { thermometer: { calibratedAt: '2026-11-01', calibrationIntervalDays: 90 } },
    });
    await l.controller.start();
    await l.controller.idle();
    expect(l.alarms()).toEqual([]);
    expect(l.controller.state().calibration?.thermometer.overdue).toBe(false);
    const none = lane();
    await none.controller.start();
    expect(none.controller.state().calibration).toBeUndefined();
  });
});
