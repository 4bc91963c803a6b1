import { describe, expect, it } from 'vitest';
import { completedByScan, type Seen } from '../../bench/support/latency-probe.ts';

const T = '0190a0b0-0000-7000-8000-000000000001';
const U = '0190a0b0-0000-7000-8000-000000000002';

/** A lane's records in the gateway's order: the scan at index 1. */
function records(decision: Partial<Seen>, extra: Seen[] = []): Seen[] {
  return [
    { seq: 1, type: 'measurement', transitId: T },
    { seq: 2, type: 'scan', transitId: T, code: 'C1' },
    ...extra,
    { seq: 9, type: 'decision', transitId: T, outcome: 'PASS', by: 'rules', trigger: 'scan', ...decision },
  ];
}

describe('which opens the latency probe counts (bench/support/latency-probe.ts)', () => {
  it('counts a decision by the rules that opens and names the scan as its trigger', () => {
    expect(completedByScan(records({}), 1)).toBe(true);
    expect(completedByScan(records({ outcome: 'YARD' }), 1)).toBe(true);
  });

  it('leaves out decisions the scan did not complete: a measurement after it, or the vehicle it waited for', () => {
    expect(completedByScan(records({ trigger: 'measurement' }), 1)).toBe(false);
    expect(completedByScan(records({ trigger: 'vehicle' }), 1)).toBe(false);
    expect(completedByScan(records({ trigger: 'timeout' }), 1)).toBe(false);
    expect(completedByScan(records({ trigger: undefined }), 1)).toBe(false);
  });

  it('leaves out decisions that keep the barrier shut, staff decisions, and transits decided before the scan', () => {
    expect(completedByScan(records({ outcome: 'REVIEW' }), 1)).toBe(false);
    expect(completedByScan(records({ by: 'staff', trigger: 'staff' }), 1)).toBe(false);
    const decidedBefore: Seen[] = [
      { seq: 1, type: 'decision', transitId: T, outcome: 'PASS', by: 'rules', trigger: 'scan' },
      ...records({}).slice(1),
    ];
    expect(completedByScan(decidedBefore, 1)).toBe(false);
  });

  it("takes the scan's own transit's decision, not another transit's", () => {
    const other: Seen = {
      seq: 5,
      type: 'decision',
      transitId: U,
      outcome: 'PASS',
      by: 'rules',
      trigger: 'scan',
    };
    expect(completedByScan(records({ trigger: 'measurement' }, [other]), 1)).toBe(false);
    expect(completedByScan([{ seq: 2, type: 'scan', code: 'C1' }, other], 0)).toBe(false);
  });
});
