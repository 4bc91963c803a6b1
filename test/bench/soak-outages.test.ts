import { describe, expect, it } from 'vitest';
import { inOutage, outageSchedule } from '../../bench/soak/outage-schedule.ts';

describe('the real-time soak’s uplink outages', () => {
  it('one of a few minutes every hour, none running past the end', () => {
    const w = outageSchedule({ totalMin: 150, everyMin: 60, lengthMin: 3, firstAtMin: 20 });
    expect(w).toEqual([
      { fromMin: 20, toMin: 23 },
      { fromMin: 80, toMin: 83 },
      { fromMin: 140, toMin: 143 },
    ]);
    expect(outageSchedule({ totalMin: 142, everyMin: 60, lengthMin: 3, firstAtMin: 20 })).toHaveLength(2);
  });

  it('none when an outage would not fit or would last the whole period', () => {
    expect(outageSchedule({ totalMin: 2, everyMin: 60, lengthMin: 3, firstAtMin: 0 })).toEqual([]);
    expect(outageSchedule({ totalMin: 600, everyMin: 3, lengthMin: 3, firstAtMin: 0 })).toEqual([]);
    expect(outageSchedule({ totalMin: 600, everyMin: 0, lengthMin: 1, firstAtMin: 0 })).toEqual([]);
  });

  it('a minute counts as in an outage from its start to its end plus the grace period', () => {
    const w = [{ fromMin: 20, toMin: 23 }];
    expect(inOutage(w, 19.9)).toBe(false);
    expect(inOutage(w, 20)).toBe(true);
    expect(inOutage(w, 23)).toBe(false);
    expect(inOutage(w, 24.5, 2)).toBe(true);
    expect(inOutage(w, 25, 2)).toBe(false);
  });
});
