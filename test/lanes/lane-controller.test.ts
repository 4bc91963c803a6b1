import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../gateway/lanes/replay-guard.ts';
import { lane } from './lane-harness.ts';

describe('lane transits and decisions', () => {
  it('loop, scan, temperature: PASS, the barrier opens after the decision is committed, the transit ends when the truck clears', async () => {
    const l = lane();
    l.barrier.onCommand(() => expect(l.types()).toContain('decision'));
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED');
    expect(l.decision()).toMatchObject({
      outcome: 'PASS',
      by: 'rules',
      trigger: 'measurement',
      plate: '晋D1',
      temperatureC: 36.5,
    });
    expect(l.barrier.commands).toEqual(['open']);
    expect(l.latencies).toHaveLength(1);
    expect(l.latencies[0]).toBeGreaterThanOrEqual(0);
    expect(l.latencies[0]).toBeLessThan(1);
    l.drive.clear();
    await l.controller.idle();
    expect(l.types()).toEqual([
      'transit-start',
      'scan',
      'verification',
      'measurement',
      'decision',
      'barrier',
      'transit-end',
    ]);
    expect(l.records.at(-1)?.data).toMatchObject({ end: 'cleared', outcome: 'PASS' });
    const ids = new Set(l.records.map((r) => r.data.transitId));
    expect(ids.size).toBe(1);
  });

  it('temperature first, then the scan: the same decision', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.measure(36.4);
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'PASS', trigger: 'scan' });
    expect(l.types().slice(0, 5)).toEqual([
      'transit-start',
      'measurement',
      'scan',
      'verification',
      'decision',
    ]);
  });

  it('a fever isolates: an isolation bay, fever and isolate alarms, the barrier stays shut', async () => {
    // One screening reading isolates (feverConfirm immediate); the recheck: lane-fever-recheck.test.ts.
    const l = lane({ rules: { feverConfirm: 'immediate' } });
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED', 38.2);
    expect(l.decision()).toMatchObject({ outcome: 'ISOLATE', bay: 'I-0001' });
    expect(l.reservations[0]).toMatchObject({ zoneKind: 'isolation', plate: '晋D1', lane: 'east-1' });
    expect(l.records.filter((r) => r.type === 'alarm').map((r) => r.data.kind)).toEqual(['fever', 'isolate']);
    expect(l.barrier.commands).toEqual([]);
    expect(l.states.at(-1)?.transit?.decision).toMatchObject({ outcome: 'ISOLATE', bay: 'I-0001' });
  });

  it('green without a test goes to the yard with a parking bay; a full yard makes it REVIEW with an alarm', async () => {
    const ok = lane();
    await ok.controller.start();
    await ok.truckDecided('GREEN', 36.6);
    expect(ok.decision()).toMatchObject({ outcome: 'YARD', bay: 'P-0001' });
    expect(ok.barrier.commands).toEqual(['open']);

    const full = lane({ yardFull: true });
    await full.controller.start();
    await full.truckDecided('GREEN', 36.6);
    expect(full.decision()).toMatchObject({ outcome: 'REVIEW' });
    expect(full.decision()?.reasons.map((r: any) => r.code)).toEqual(['yard-full', 'no-recent-test']);
    expect(full.records.find((r) => r.type === 'alarm')?.data.kind).toBe('yard-full');
    expect(full.barrier.commands).toEqual([]);
  });

  it('a transit that stalls goes to REVIEW at the lane timeout, with the reason', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.decision()).toBeUndefined();
    await l.clock.advance(20_000);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW', trigger: 'timeout' });
    expect(l.decision()?.reasons[0]).toMatchObject({ code: 'no-temperature', outcome: 'REVIEW' });
    expect(l.barrier.commands).toEqual([]);
  });

  it('a lane without a thermometer decides on the pass alone; without a loop the scan begins the transit', async () => {
    const l = lane({ thermometer: false, hasLoop: false });
    await l.controller.start();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.types()[0]).toBe('transit-start');
    expect(l.records[0]?.data.trigger).toBe('scan');
    expect(l.decision()?.outcome).toBe('PASS');
    l.barrier.emit('state', { state: 'closed', previous: 'open', reason: 'closed', at: l.clock.now() });
    await l.controller.idle();
    expect(l.of('transit-end')).toEqual([expect.objectContaining({ end: 'cleared' })]);
    // The close was the driver's own (its auto-close): recorded as the barrier's move.
    expect(l.records.at(-1)).toMatchObject({ type: 'barrier', data: { action: 'close', by: 'barrier' } });
  });

  it('a tailgate raises an alarm and gets a transit of its own', async () => {
    const l = lane();
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED');
    l.barrier.emit('tailgate', { at: l.clock.now(), barrierState: 'open' });
    await l.controller.idle();
    const starts = l.records.filter((r) => r.type === 'transit-start');
    expect(starts).toHaveLength(2);
    expect(starts[1]?.data).toMatchObject({ trigger: 'tailgate', tailgate: true });
    expect(l.records.find((r) => r.type === 'alarm')?.data).toMatchObject({
      kind: 'tailgate',
      transitId: starts[1]?.data.transitId,
    });
  });

  it('a barrier or device going offline turns the lane to manual: decisions are made but the barrier stays shut until staff act', async () => {
    const l = lane();
    await l.controller.start();
    l.barrier.emit('health', {
      state: 'offline',
      previous: 'online',
      reason: 'port lost',
      at: l.clock.now(),
    });
    await l.truckDecided('GREEN-TESTED');
    expect(l.controller.state()).toMatchObject({ mode: 'manual', modeReason: 'barrier offline' });
    expect(l.decision()?.outcome).toBe('PASS');
    expect(l.barrier.commands).toEqual([]);
    expect(l.records.find((r) => r.type === 'alarm')?.data.kind).toBe('device-offline');
    const d = await l.controller.override('PASS', 'staff-007', 'checked by hand');
    expect(d.outcome).toBe('PASS');
    await l.controller.idle();
    expect(l.barrier.commands).toEqual(['open']);
    expect(l.records.filter((r) => r.type === 'decision').at(-1)?.data).toMatchObject({
      by: 'staff',
      staffId: 'staff-007',
      trigger: 'staff',
    });
    expect(l.latencies).toEqual([]); // staff's open is not the rules' answer to an input
  });

  it('a barrier that does not open is a fault alarm and turns the lane to manual', async () => {
    const l = lane();
    await l.controller.start();
    l.barrier.failNext((action) => ({
      ok: false,
      action,
      failure: 'fault',
      reason: 'open limit not reached in 6000 ms',
      state: 'fault',
      at: 0,
    }));
    await l.truckDecided('GREEN-TESTED');
    await l.controller.idle();
    expect(l.records.find((r) => r.type === 'barrier')?.data).toMatchObject({ ok: false, failure: 'fault' });
    expect(l.records.find((r) => r.type === 'alarm')?.data).toMatchObject({ kind: 'barrier-fault' });
    expect(l.controller.state().mode).toBe('manual');
  });

  it('the same pass at another lane within the window is flagged and sent to REVIEW', async () => {
    const replay = new ReplayGuard(600_000);
    const a = lane({ id: 'east-1', replay });
    const b = lane({ id: 'west-1', replay });
    await a.controller.start();
    await b.controller.start();
    for (const l of [a, b]) {
      await l.truckDecided('GREEN-TESTED');
    }
    expect(a.decision()?.outcome).toBe('PASS');
    expect(b.decision()).toMatchObject({ outcome: 'REVIEW' });
    expect(b.decision()?.reasons.map((r: any) => r.code)).toContain('pass-replayed');
    expect(b.records.find((r) => r.type === 'alarm')?.data.message).toContain('at lane east-1');
  });

  it('manual registration keeps the ID number masked and waits for staff (REVIEW)', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.measure(36.5);
    await l.controller.register({
      plate: '冀A55555',
      name: '李四',
      idNumber: '130102198001011234',
      origin: 'SX',
    });
    await l.controller.idle();
    expect(l.decision()).toMatchObject({
      outcome: 'REVIEW',
      trigger: 'registration',
      plate: '冀A55555',
      manual: { idNumber: '**************1234' },
    });
    expect(JSON.stringify(l.records)).not.toContain('130102198001011234');
  });

  it('after a restart the transit left open is closed as interrupted', async () => {
    const l = lane({
      interrupted: {
        transitId: '0190a0b0-0000-7000-8000-000000000001',
        startedAt: Date.UTC(2026, 10, 22, 7, 59),
      },
    });
    await l.controller.start();
    expect(l.records[0]).toMatchObject({
      type: 'transit-end',
      data: { end: 'interrupted', durationMs: 60_000 },
    });
  });

  it('override is refused when no truck is on the lane', async () => {
    const l = lane();
    await l.controller.start();
    await expect(l.controller.override('PASS', 's1', 'x')).rejects.toThrow('no truck on this lane');
  });
});
