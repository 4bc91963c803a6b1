import { describe, expect, it, vi } from 'vitest';
import { MAX_CODES_PER_TRANSIT } from '../../gateway/lanes/scan-budget.ts';
import { lane } from './lane-harness.ts';
import { LaneRecordSchemas } from './lane-record-check.ts';

type Lane = ReturnType<typeof lane>;

/** What the lane handed to the store: records and their bytes (as JSON). */
const stored = (l: Lane) => ({
  count: l.records.length,
  bytes: l.records.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.data)), 0),
});

/** A plausible code near the scanner's 4 KB budget, different for each `i`. */
const bigCode = (i: number) => `HC1:${String(i).padStart(6, '0')}${'A'.repeat(4090)}`;

describe('scans into the store: repeats counted, distinct codes per transit capped', () => {
  it('1,000 distinct 4 KB codes and 1,000 repeats for one truck: at most MAX_CODES_PER_TRANSIT stored, one scan-budget alarm, the transit goes to REVIEW', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    for (let i = 0; i < 1000; i++) l.drive.scan(bigCode(i));
    for (let i = 0; i < 1000; i++) l.drive.scan(bigCode(i % MAX_CODES_PER_TRANSIT)); // repeats
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    expect(l.of('scan')).toHaveLength(MAX_CODES_PER_TRANSIT);
    expect(l.of('verification')).toHaveLength(MAX_CODES_PER_TRANSIT);
    expect(l.alarms()).toEqual(['scan-budget']);
    expect(l.of('decision')).toHaveLength(1);
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW', trigger: 'scan' });
    expect(l.decision().reasons.map((r: any) => r.code)).toEqual(['too-many-codes']);
    expect(l.controller.state().transit?.decision?.outcome).toBe('REVIEW');
    // transit-start, 8 scans, 8 verifications, the alarm, the decision.
    const s = stored(l);
    expect(s.count).toBe(1 + 2 * MAX_CODES_PER_TRANSIT + 2);
    expect(s.bytes).toBeLessThan(MAX_CODES_PER_TRANSIT * 4200 + 8000);
    expect(l.barrier.commands).toEqual([]);
    l.drive.clear();
    await l.controller.idle();
    expect(l.of('transit-end')[0]).toMatchObject({
      scansRefused: 1000 - MAX_CODES_PER_TRANSIT,
      scansRepeated: 1000,
    });
    for (const r of l.records) LaneRecordSchemas.check(r);
  });

  it('a presentation-mode scanner re-reading the same pass 1,000 times: stored once, counted on the transit end', async () => {
    const l = lane();
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED');
    await vi.waitFor(() => expect(l.of('barrier')).toHaveLength(1));
    const before = stored(l);
    for (let i = 0; i < 1000; i++) {
      l.clock.advance(300);
      l.drive.scan('GREEN-TESTED');
    }
    await l.controller.idle();
    expect(stored(l)).toEqual(before);
    expect(l.alarms()).toEqual([]);
    l.drive.clear();
    await l.controller.idle();
    expect(l.of('scan')).toHaveLength(1);
    expect(l.of('transit-end')[0]).toMatchObject({ end: 'cleared', scansRepeated: 1000 });
    for (const r of l.records) LaneRecordSchemas.check(r);
  });

  it('a rotating code before the truck arrives (no vehicle) is capped the same way; the truck that comes is REVIEW, whatever code was valid', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.scan('GREEN-TESTED');
    for (let i = 0; i < 60; i++) l.drive.scan(bigCode(i));
    await l.controller.idle();
    expect(l.of('transit-start')).toHaveLength(1);
    expect(l.of('scan')).toHaveLength(MAX_CODES_PER_TRANSIT);
    expect(l.alarms()).toEqual(['scan-budget']);
    expect(l.of('decision')).toEqual([]); // no phantom decision without a vehicle
    l.drive.arrive();
    l.drive.measure(36.5);
    await l.controller.idle();
    expect(l.controller.state().transit?.decision?.outcome).toBe('REVIEW');
    expect(l.barrier.commands).toEqual([]);
  });

  it('a decided transit over the budget: the refused scans add no decision; one alarm tells staff', async () => {
    const l = lane();
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED');
    for (let i = 0; i < 100; i++) l.drive.scan(`OTHER-${i}`);
    await l.controller.idle();
    expect(l.of('scan')).toHaveLength(MAX_CODES_PER_TRANSIT);
    expect(l.alarms()).toEqual(['scan-budget']);
    // The first unverified code escalates it by the rules; each stored code is a person who joined
    // the cab late (a decision record names them); the refused ones add none.
    expect(l.of('decision').map((d) => d.outcome)).toEqual([
      'PASS',
      ...Array(MAX_CODES_PER_TRANSIT - 1).fill('REVIEW'),
    ]);
    expect(l.barrier.commands).toEqual(['open']);
  });

  it('in maintenance (no transits), 1,000 distinct codes and 1,000 repeats store at most the budget per window', async () => {
    const l = lane({ maintenance: { reason: 'servicing' } });
    await l.controller.start();
    for (let i = 0; i < 1000; i++) l.drive.scan(bigCode(i));
    for (let i = 0; i < 1000; i++) l.drive.scan(bigCode(0));
    await l.controller.idle();
    expect(l.of('scan')).toHaveLength(MAX_CODES_PER_TRANSIT);
    expect(l.alarms()).toEqual(['scan-budget']);
    expect(stored(l).count).toBe(MAX_CODES_PER_TRANSIT + 1);
  });
});
