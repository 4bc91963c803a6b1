import { describe, expect, it } from 'vitest';
import { lane } from './lane-harness.ts';

/** One transit per vehicle: inputs that come late, before the vehicle, or after another transit. */
describe('transits: late inputs, inputs without a vehicle, transits replaced', () => {
  it('a fever measured after PASS while the truck is still on the loop escalates the same transit to ISOLATE; the barrier is not closed onto it', async () => {
    const l = lane({ rules: { feverConfirm: 'immediate' } });
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED');
    expect(l.decision()?.outcome).toBe('PASS');
    expect(l.barrier.commands).toEqual(['open']);

    l.drive.measure(38.4); // the driver leans out again: a fever
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    const transitId = l.of('transit-start')[0]?.transitId;
    expect(l.of('measurement').map((m) => m.transitId)).toEqual([transitId, transitId]);
    expect(l.lastDecision()).toMatchObject({ transitId, outcome: 'ISOLATE', by: 'rules', bay: 'I-0001' });
    // Every reason kept: the fever, and the pass that had let it through.
    expect(l.lastDecision()?.reasons.map((r: any) => r.code)).toEqual(['fever', 'recent-negative-test']);
    expect(l.reservations.map((r) => r.zoneKind)).toEqual(['isolation']);
    expect(l.alarms()).toEqual(['fever', 'isolate']);
    expect(l.of('alarm').at(-1)?.message).toContain('stop the truck');
    expect(l.barrier.commands).toEqual(['open']); // never a close with the truck on the loop
    expect(l.controller.state().transit?.decision).toMatchObject({ outcome: 'ISOLATE', bay: 'I-0001' });

    l.drive.clear();
    await l.controller.idle();
    expect(l.records.at(-1)).toMatchObject({
      type: 'transit-end',
      data: { transitId, end: 'cleared', outcome: 'ISOLATE' },
    });
  });

  it('a late normal measurement or a rescan of the same pass changes nothing: no new transit, no replay alarm, no second decision', async () => {
    const l = lane();
    await l.controller.start();
    await l.truckDecided('FORGED');
    expect(l.decision()?.outcome).toBe('REVIEW');
    l.drive.scan('FORGED'); // staff ask the driver to scan again
    l.drive.measure(36.6);
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    expect(l.of('decision')).toHaveLength(1);
    // The same code again in the same transit is counted, not stored (nor verified) again.
    expect(l.of('verification').map((v) => v.replayed)).toEqual([false]);
    expect(l.of('scan')).toHaveLength(1);
    expect(l.alarms()).toEqual([]);
    // A decision is never relaxed by a late input: another valid pass is another person in the
    // cab (a new decision record names them), and the transit still waits for staff.
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.of('decision').map((d) => [d.outcome, d.persons.length])).toEqual([
      ['REVIEW', 1],
      ['REVIEW', 2],
    ]);
    expect(l.barrier.commands).toEqual([]);
  });

  it('without a loop, an input after the decision begins the next transit and the previous one is ended', async () => {
    const l = lane({ hasLoop: false, thermometer: false });
    await l.controller.start();
    l.drive.scan('FORGED');
    await l.controller.idle();
    const first = l.of('transit-start')[0]?.transitId;
    expect(l.decision()).toMatchObject({ transitId: first, outcome: 'REVIEW' });
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    const starts = l.of('transit-start');
    expect(starts).toHaveLength(2);
    expect(l.of('transit-end')).toEqual([
      expect.objectContaining({ transitId: first, end: 'abandoned', outcome: 'REVIEW' }),
    ]);
    expect(l.types().indexOf('transit-end')).toBeLessThan(l.types().lastIndexOf('transit-start'));
  });

  it('on a lane with a loop, a scan with no vehicle waits for one: decided when it arrives, with its own full timeout', async () => {
    const l = lane({ thermometer: false });
    await l.controller.start();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.of('transit-start')[0]).toMatchObject({ trigger: 'scan' });
    expect(l.decision()).toBeUndefined();
    expect(l.barrier.commands).toEqual([]);
    await l.clock.advance(15_000);
    await new Promise((r) => setTimeout(r, 200)); // real time too: the latency is timed on it
    l.drive.arrive();
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    // The vehicle completed the decision: the latency runs from its arrival, not from the scan.
    expect(l.decision()).toMatchObject({ outcome: 'PASS', trigger: 'vehicle' });
    expect(l.barrier.commands).toEqual(['open']);
    expect(l.latencies).toHaveLength(1);
    expect(l.latencies[0]).toBeLessThan(0.15);
  });

  it('a measurement with no vehicle that never comes: no decision, no bay, no alarm; the transit ends at the timeout', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.measure(38.0); // someone walking past the thermometer
    await l.controller.idle();
    await l.clock.advance(20_000);
    await l.controller.idle();
    expect(l.decision()).toBeUndefined();
    expect(l.reservations).toEqual([]);
    expect(l.alarms()).toEqual([]);
    expect(l.types()).toEqual(['transit-start', 'measurement', 'transit-end']);
    expect(l.of('transit-end')[0]).toMatchObject({ end: 'abandoned' });
    expect(l.controller.state().transit).toBeUndefined();
  });

  it('a late input does not revive a reason staff have overridden', async () => {
    const l = lane({ rules: { feverConfirm: 'immediate' } });
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED', 37.6);
    expect(l.decision()?.outcome).toBe('ISOLATE');
    await l.controller.override('PASS', 'staff-007', 'measured 36.6 by hand: sun on the sensor');
    l.drive.measure(36.9);
    await l.controller.idle();
    expect(l.of('decision').map((d) => d.outcome)).toEqual(['ISOLATE', 'PASS']);
    expect(l.barrier.commands).toEqual(['open']);
  });

  it('a vehicle on the loop since start-up (no arrival event) is a vehicle: its scan is decided', async () => {
    const l = lane({ thermometer: false });
    l.barrier.setLoop(true);
    await l.controller.start();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.decision()?.outcome).toBe('PASS');
  });

  it('a vehicle whose scan came first gets the whole timeout from its arrival before it goes to REVIEW', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    await l.clock.advance(10_000);
    l.drive.arrive();
    await l.controller.idle();
    await l.clock.advance(15_000); // 25 s after the scan, 15 s after the arrival
    await l.controller.idle();
    expect(l.decision()).toBeUndefined();
    await l.clock.advance(5_000);
    await l.controller.idle();
    expect(l.decision()?.reasons[0]).toMatchObject({ code: 'no-temperature' });
  });

  it('a registration for a decided truck whose barrier stayed shut is recorded in a new decision (no-loop lane)', async () => {
    const l = lane({ hasLoop: false, thermometer: false });
    await l.controller.start();
    l.drive.scan('FORGED');
    await l.controller.idle();
    await l.controller.register({ plate: '冀A55555', name: '李四', idNumber: '130102198001011234' });
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    expect(l.lastDecision()).toMatchObject({
      outcome: 'REVIEW',
      manual: { plate: '冀A55555', idNumber: '**************1234' },
    });
    expect(l.lastDecision()?.reasons.map((r: any) => r.code)).toContain('pass-invalid');
  });
});
