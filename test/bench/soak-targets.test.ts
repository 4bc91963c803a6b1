import { describe, expect, it } from 'vitest';
import type { RealtimeSample } from '../../bench/soak/realtime-sample.ts';
import { longestYardStayS, SOAK_YARD } from '../../bench/soak/realtime-scenario.ts';
import { checkTargets, retentionHorizonS, type TargetCheck } from '../../bench/soak/targets.ts';

/** A minute of a healthy soak: 300 transits a minute, flat memory, a store that stops growing. */
function minute(m: number, over: Partial<RealtimeSample> = {}): RealtimeSample {
  const transits = m * 300;
  return {
    t: m * 60,
    rssMb: 80,
    rssAnonMb: 45,
    rssFileMb: 35,
    loadAvg1: 0.5,
    heapUsedMb: 30,
    heapTotalMb: 40,
    externalMb: 4,
    arrayBuffersMb: 1,
    fds: 53,
    handles: 30,
    timers: 12,
    loopLagP99Ms: 1.2,
    loopLagMaxMs: 3,
    storeMb: Math.min(m, 40) * 0.5,
    walMb: 4,
    pending: 0,
    uplinkConnected: true,
    outage: false,
    decisions: transits,
    transitsStarted: transits + 1,
    transitsEnded: transits,
    transitsOpen: 1,
    oldestOpenTransitS: 0,
    transits,
    records: transits * 20,
    deviceErrors: 0,
    alarms: 0,
    centralDecisions: transits,
    parked: 0,
    inYard: 0,
    leftYard: 0,
    ...over,
  };
}

const run = (f: (m: number) => Partial<RealtimeSample> = () => ({})) =>
  Array.from({ length: 121 }, (_, m) => minute(m, f(m)));

function check(samples: RealtimeSample[], final = samples.at(-1)): Map<string, TargetCheck> {
  const checks = checkTargets({ samples, warmUpShare: 0.2, retentionHorizonS: 35 * 60, final });
  return new Map(checks.map((c) => [c.name, c]));
}

describe('the targets of the real-time soak', () => {
  it('a healthy run meets every one', () => {
    const checks = check(run());
    expect([...checks.values()].map((c) => [c.name, c.ok])).toEqual([
      ['heap slope', true],
      ['RSS steady', true],
      ['open fds flat', true],
      ['handles flat', true],
      ['store bounded', true],
      ['no transit stuck', true],
      ['no decision lost', true],
      ['event-loop lag', true],
    ]);
  });

  it('a heap growing 1 MB per 10,000 transits misses its slope (0.5 MB), growth in the warm-up does not', () => {
    const leak = check(run((m) => ({ heapUsedMb: 30 + (m * 300 * 1) / 10_000 })));
    expect(leak.get('heap slope')?.ok).toBe(false);
    expect(leak.get('heap slope')?.measured).toBe('1 MB per 10,000 transits');
    const warmUpOnly = check(run((m) => ({ heapUsedMb: m < 24 ? 10 + m : 34 })));
    expect(warmUpOnly.get('heap slope')?.ok).toBe(true);
  });

  it('RSS above 100 MB after the warm-up, leaking fds or handles, a store that keeps growing', () => {
    const checks = check(
      run((m) => ({ rssMb: m === 90 ? 101 : 80, fds: 53 + Math.floor(m / 10), handles: 30 + m, storeMb: m })),
    );
    expect(checks.get('RSS steady')?.ok).toBe(false);
    expect(checks.get('open fds flat')?.ok).toBe(false);
    expect(checks.get('handles flat')?.ok).toBe(false);
    expect(checks.get('store bounded')?.ok).toBe(false);
  });

  it('lag during an outage is not judged; outside one it is', () => {
    const inOutage = check(run((m) => (m === 60 ? { loopLagP99Ms: 40, outage: true } : {})));
    expect(inOutage.get('event-loop lag')?.ok).toBe(true);
    const outside = check(run((m) => (m === 60 ? { loopLagP99Ms: 40 } : {})));
    expect(outside.get('event-loop lag')?.ok).toBe(false);
  });

  it('a stuck transit or a decision the central office never got fails', () => {
    const stuck = check(run((m) => (m === 100 ? { oldestOpenTransitS: 660 } : {})));
    expect(stuck.get('no transit stuck')?.ok).toBe(false);
    const samples = run();
    const last = samples.at(-1) as RealtimeSample;
    const lost = check(samples, { ...last, centralDecisions: last.decisions - 1 });
    expect(lost.get('no decision lost')?.ok).toBe(false);
    const pending = check(samples, { ...last, pending: 12 });
    expect(pending.get('no decision lost')?.ok).toBe(false);
  });

  it('a run shorter than the retention horizon gives no verdict on the store', () => {
    const short = run().slice(0, 30);
    const c = check(short).get('store bounded');
    expect(c?.ok).toBeUndefined();
    expect(c?.measured).toBe('run shorter than the retention horizon');
  });

  it('slopes over fewer than 1,000 transits after the warm-up give no verdict', () => {
    const few = run((m) => ({ transits: m * 8, heapUsedMb: 30 + m }));
    const c = check(few).get('heap slope');
    expect(c?.ok).toBeUndefined();
    expect(c?.measured).toMatch(/over \d+ transits only: too few to judge$/);
  });
});

describe('the retention horizon of the store check', () => {
  it("is the longest age anything is kept for, a ledger row's counted from its truck's last yard event, plus one maintenance run", () => {
    // config/soak.yaml: records 30 min, ledger 60 min, maintenance every 5 min; the soak's
    // longest stay: 1.5 + 3 + 8 min to a positive result, 2 min to isolation, 20 min there, 1 min out.
    expect(longestYardStayS()).toBe(35.5 * 60);
    expect(
      retentionHorizonS(
        { maxAgeDays: 0.0208333, ledgerMaxAgeDays: 0.0416667, maintenanceIntervalMs: 300_000 },
        longestYardStayS(),
      ),
    ).toBeCloseTo((60 + 35.5 + 5) * 60, -1);
    // A box's defaults: 90 days of records, a year of ledger, hourly maintenance.
    expect(
      retentionHorizonS({ maxAgeDays: 90, ledgerMaxAgeDays: 365, maintenanceIntervalMs: 3_600_000 }, 0),
    ).toBe(365 * 86_400 + 3_600);
    // Records kept longer than ledger rows and the longest stay together: the records decide.
    expect(retentionHorizonS({ maxAgeDays: 2, ledgerMaxAgeDays: 1, maintenanceIntervalMs: 0 }, 3_600)).toBe(
      2 * 86_400,
    );
    expect(retentionHorizonS({ maxAgeDays: 1, ledgerMaxAgeDays: 1, maintenanceIntervalMs: 0 }, 3_600)).toBe(
      86_400 + 3_600,
    );
  });

  it("the longest stay follows the scenario's timings: a longer isolation or PCR lengthens it, a shorter one does not shorten the negative path", () => {
    const longer = { ...SOAK_YARD, isolationStay: ['10m', '40m'] };
    expect(longestYardStayS(longer)).toBe((35.5 + 20) * 60);
    const noPositives = { ...SOAK_YARD, isolationStay: ['30s', '30s'], pcrAfter: ['30s', '30s'] };
    // The negative path: 1.5 + 3 + 8 min to the result, 3 min to leave, 1 min out.
    expect(longestYardStayS(noPositives)).toBe(16.5 * 60);
  });
});
