import { afterEach, describe, expect, it } from 'vitest';
import { type TestRun, testRun } from '../support/sim-run.ts';

const runs: TestRun[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.stop();
});

const FAST_YARD = {
  driveToBay: '1m',
  sampleAfter: '2m',
  resultAfter: '15m',
  leaveAfter: '3m',
  driveToExit: '1m',
  isolationStay: '30m',
};

/** The demo site with a stand-in gateway, one lane's traffic of a single pass kind. */
async function yardRun(
  passes: Record<string, number>,
  positiveRate: number,
  extra: Record<string, unknown> = {},
  exitOutcome?: 'PASS' | 'REVIEW',
): Promise<TestRun> {
  const r = await testRun({
    seed: 21,
    gateway: true,
    ...(exitOutcome ? { exitOutcome } : {}),
    scenario: {
      traffic: {
        default: { arrivalsPerHour: 0, patience: '2m' },
        lanes: { 'east-1': { arrivalsPerHour: 12, passes, feverRate: 0 } },
        yard: { ...FAST_YARD, positiveRate, ...extra },
      },
    },
  });
  runs.push(r);
  r.run.start();
  return r;
}

/** Clock time (run ms) of the first event matching, or -1. */
function at(r: TestRun, action: string, subject?: string, detail?: string): number {
  return (
    r.events.find(
      (e) =>
        e.action === action &&
        (subject === undefined || e.subject === subject) &&
        (detail === undefined || e.detail === detail),
    )?.t ?? -1
  );
}

describe('trucks in the yard', () => {
  it('YARD: drive to the reserved bay, occupy its sensor, swab and negative result ~15 min later, leave by the exit lane', async () => {
    const r = await yardRun({ yellow: 1 }, 0);
    await r.clock.advance(2 * 3_600_000);
    const first = r.gateway?.decisions.find((d) => d.outcome === 'YARD');
    expect(first?.bay).toBe('P-0001');
    const truck = r.events.find((e) => e.action === 'drives to bay' && e.detail === 'P-0001')?.subject ?? '';

    const through = at(r, 'through', truck, 'east-1');
    const parked = at(r, 'occupy', 'bay P-0001');
    const sampled =
      r.events.find((e) => e.action === 'request sample' && e.subject === 'bay P-0001')?.t ?? -1;
    const result = r.events.find((e) => e.action === 'request result' && e.subject === 'bay P-0001')?.t ?? -1;
    const freed = at(r, 'free', 'bay P-0001');
    const onExit = at(r, 'putVehicle', 'yard-exit barrier');
    const out = at(r, 'through', truck, 'yard-exit');
    expect(parked - through).toBe(60_000);
    expect(sampled - parked).toBe(120_000);
    expect(result - sampled).toBe(15 * 60_000);
    expect(freed - result).toBe(3 * 60_000);
    expect(onExit).toBeGreaterThan(freed);
    expect(out).toBeGreaterThan(onExit);
    // The exit visit scanned the truck's own pass.
    const exitScan = r.events.find((e) => e.subject === 'yard-exit scanner' && e.action === 'present');
    const entryScan = r.events.find((e) => e.subject === 'east-1 scanner' && e.action === 'present');
    expect(exitScan?.detail).toBe(entryScan?.detail);

    expect(r.gateway?.staffCalls).toEqual(
      expect.arrayContaining(['sample P-0001', 'result P-0001 negative']),
    );
    expect(r.site.bay('P-0001').occupied).toBe(false);
    const s = r.run.traffic.stats;
    expect(s.leftYard).toBeGreaterThan(0);
    expect(s.parked - s.inYard).toBeGreaterThanOrEqual(s.leftYard);
    expect(s.positives).toBe(0);
  });

  it('a positive result: staff move the truck to an isolation bay; after its stay it is released and leaves', async () => {
    const r = await yardRun({ yellow: 1 }, 1);
    await r.clock.advance(3 * 3_600_000);
    expect(r.gateway?.staffCalls).toEqual(
      expect.arrayContaining(['result P-0001 positive', 'move P-0001', 'release I-0001']),
    );
    const moved = r.events.find((e) => e.action === 'moves');
    expect(moved?.detail).toBe('P-0001 -> I-0001');
    expect(at(r, 'free', 'bay P-0001')).toBe(moved?.t);
    expect(at(r, 'occupy', 'bay I-0001')).toBeGreaterThan(moved?.t ?? Infinity);
    // The stay counts from the positive result, when staff moved it.
    expect(at(r, 'free', 'bay I-0001') - (moved?.t ?? 0)).toBe(30 * 60_000);
    expect(r.run.traffic.stats.movedToIsolation).toBeGreaterThan(0);
    expect(r.run.traffic.stats.leftYard).toBeGreaterThan(0);
  });

  it('with pcrAfter and disinfection: a PCR swab in isolation, its result before the release, the bay unblocked after', async () => {
    const r = await yardRun({ yellow: 1 }, 1, { pcrAfter: '40m', pcrPositiveRate: 1, disinfection: '10m' });
    await r.clock.advance(3 * 3_600_000);
    const calls = r.gateway?.staffCalls ?? [];
    const first = (call: string) => calls.indexOf(call);
    expect(first('move P-0001')).toBeGreaterThanOrEqual(0);
    expect(first('sample I-0001 pcr')).toBeGreaterThan(first('move P-0001'));
    expect(first('result I-0001 positive pcr')).toBeGreaterThan(first('sample I-0001 pcr'));
    expect(first('release I-0001')).toBeGreaterThan(first('result I-0001 positive pcr'));
    expect(first('unblock I-0001')).toBeGreaterThan(first('release I-0001'));
    // The PCR result (40 min) comes after the stay (30 min): the release waits for it.
    const moved = r.events.find((e) => e.action === 'moves');
    const released = r.events.find((e) => e.action === 'request release' && e.subject === 'bay I-0001');
    const pcr = r.events.find((e) => e.action === 'request result' && e.detail === 'pcr positive');
    expect((pcr?.t ?? 0) - (moved?.t ?? 0)).toBe(40 * 60_000);
    expect(released?.t).toBeGreaterThan(pcr?.t ?? Infinity);
    const unblocked = r.events.find((e) => e.action === 'request unblock' && e.subject === 'bay I-0001');
    expect((unblocked?.t ?? 0) - (released?.t ?? 0)).toBe(10 * 60_000);
  });

  it('ISOLATE: the truck parks in the isolation bay reserved for it', async () => {
    const r = await yardRun({ red: 1 }, 0);
    await r.clock.advance(12 * 60_000);
    expect(r.gateway?.decisions[0]).toMatchObject({ outcome: 'ISOLATE', bay: 'I-0001' });
    expect(at(r, 'occupy', 'bay I-0001')).toBeGreaterThan(0);
    expect(r.site.bay('I-0001').occupied).toBe(true);
  });

  it('PASS: the truck drives through and is gone; no bay is touched', async () => {
    const r = await yardRun({ green: 1 }, 0);
    await r.clock.advance(30 * 60_000);
    expect(r.run.traffic.stats.through).toBeGreaterThan(0);
    expect(r.events.some((e) => e.action === 'gone' && e.detail === 'PASS')).toBe(true);
    expect(r.events.some((e) => e.subject.startsWith('bay '))).toBe(false);
  });

  it('an exit that never opens: the truck waits out its patience, tries twice more, then gives up, saying why', async () => {
    const r = await yardRun({ yellow: 1 }, 0, {}, 'REVIEW');
    await r.clock.advance(3 * 3_600_000);
    const gaveUp = r.events.filter((e) => e.action === 'gives up');
    expect(gaveUp.length).toBeGreaterThan(0);
    const truck = gaveUp[0]?.subject ?? '';
    expect(gaveUp[0]?.detail).toBe('yard exit never opened (last: backed off)');
    // Three times at the exit's loop, each ended by its patience.
    const visits = r.events.filter((e) => e.subject === truck && e.action === 'backs off');
    expect(visits).toHaveLength(3);
    expect(r.run.traffic.stats.leftYard).toBe(0);
    expect(Object.fromEntries(r.run.traffic.stats.gaveUpAtExit)).toEqual({ 'backed off': gaveUp.length });
  });
});
