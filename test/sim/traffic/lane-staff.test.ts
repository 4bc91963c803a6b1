import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { Random } from '../../../sim/random.ts';
import type { DecisionSeen, YardStaff } from '../../../sim/traffic/gateway-link.ts';
import { LaneStaffRunner } from '../../../sim/traffic/lane-staff-runner.ts';
import type { LaneVisit } from '../../../sim/traffic/lane-visit.ts';
import { SimEventLog } from '../../../sim/traffic/sim-events.ts';
import { SimStats } from '../../../sim/traffic/stats.ts';
import { type FaultSite, faultSite } from '../support/fault-site.ts';
import { HandLink } from '../support/hand-link.ts';

const sites: FaultSite[] = [];
afterEach(async () => {
  for (const s of sites.splice(0)) await s.stop();
});

const STAFF = { laneStaff: { reviewAfter: ['20s', '30s'], outcome: 'YARD' } };

/** One truck on the GPIO lane, scanned; resolves once it waits on the loop. */
async function truckOnLoop(link: HandLink, traffic: Record<string, unknown>) {
  const fs = await faultSite(
    'mem',
    'in-process',
    { default: { arrivalsPerHour: 0, patience: '60s' }, ...traffic },
    link,
  );
  sites.push(fs);
  fs.run.traffic.lane('gpio').enqueue(fs.run.traffic.population.next({ yellow: 1 }, 0));
  for (let i = 0; i < 60 && !fs.events.some((e) => e.action === 'present'); i++) await fs.clock.advance(250);
  expect(fs.run.traffic.lane('gpio').current).toBeDefined();
  return fs;
}

describe('kiosk staff at the entry lanes (traffic.laneStaff)', () => {
  it('decide a REVIEW transit by hand within reviewAfter, with its reasons in the audit reason', async () => {
    const link = new HandLink();
    const fs = await truckOnLoop(link, STAFF);
    link.publish({ lane: 'gpio', outcome: 'REVIEW', transitId: 't1', reasons: ['no-pass', 'pass-expired'] });
    await fs.clock.advance(19_900);
    expect(link.asked).toHaveLength(0);
    await fs.clock.advance(10_200);
    await Promise.resolve();
    expect(link.asked).toEqual([
      { lane: 'gpio', outcome: 'YARD', reason: 'checked at the kiosk: no-pass, pass-expired' },
    ]);
    expect(fs.run.traffic.stats.laneOverrides).toBe(1);
  });

  it('leave a wait for a fever recheck to the lane, and a decided transit alone', async () => {
    const link = new HandLink();
    const fs = await truckOnLoop(link, STAFF);
    link.publish({ lane: 'gpio', outcome: 'REVIEW', transitId: 't1', reasons: ['recheck-required'] });
    await fs.clock.advance(31_000);
    expect(link.asked).toHaveLength(0);
    // A REVIEW the lane then decides by itself (PASS on the same transit) needs nobody.
    link.publish({ lane: 'gpio', outcome: 'REVIEW', transitId: 't1', reasons: ['no-temperature'] });
    link.publish({ lane: 'gpio', outcome: 'PASS', transitId: 't1' });
    await fs.clock.advance(31_000);
    expect(link.asked).toHaveLength(0);
  });

  it('are not there unless the scenario has them: the REVIEW truck backs off after its patience', async () => {
    const link = new HandLink();
    const fs = await truckOnLoop(link, {});
    link.publish({ lane: 'gpio', outcome: 'REVIEW', transitId: 't1', reasons: ['no-pass'] });
    await fs.clock.advance(61_000);
    expect(link.asked).toHaveLength(0);
    expect(fs.events.some((e) => e.action === 'backs off')).toBe(true);
  });
});

describe('the coordinator at the yard exit (traffic.laneStaff)', () => {
  /** The runner alone, with a truck from bay P-0007 on the exit's loop. */
  function atExit(release: boolean, releasedFromIsolation = false) {
    const clock = new ManualClock();
    const calls: string[] = [];
    const stats = new SimStats();
    const visit = { truck: { id: 'T0042' }, decision: undefined as DecisionSeen | undefined };
    const runner = new LaneStaffRunner(
      {
        clock,
        random: new Random(7),
        log: new SimEventLog(clock),
        stats,
        staff: () => ({
          decide: async (lane, outcome, reason) => {
            calls.push(`decide ${lane} ${outcome} ${reason}`);
            return true;
          },
        }),
        yardStaff: () =>
          ({
            release: async (bay: string, reason: string) => {
              calls.push(`release ${bay} ${reason}`);
              return release;
            },
          }) as unknown as YardStaff,
        onLoop: () => visit as unknown as LaneVisit,
        isExit: (lane) => lane === 'yard-exit',
        bayOf: (truck) => (truck === 'T0042' ? 'P-0007' : undefined),
        released: (truck) => releasedFromIsolation && truck === 'T0042',
      },
      { reviewAfter: { min: 20_000, max: 20_000 }, outcome: 'YARD', staffId: 'sim-kiosk' },
    );
    const review = (reasons: string[]) => {
      const d: DecisionSeen = { lane: 'yard-exit', outcome: 'REVIEW', transitId: 'x1', reasons };
      visit.decision = d;
      runner.onDecision(d);
    };
    return { clock, calls, stats, review };
  }
  const settle = async (clock: ManualClock) => {
    await clock.advance(20_000);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('release an unmatched truck from its bay, then let it through with a PASS', async () => {
    const x = atExit(true);
    x.review(['yard-not-cleared']);
    await settle(x.clock);
    expect(x.calls).toEqual([
      'release P-0007 identified at the exit by the coordinator (yard-not-cleared)',
      'decide yard-exit PASS released by the coordinator: yard-not-cleared',
    ]);
    expect(x.stats.laneOverrides).toBe(1);
  });

  it('let a truck they released from isolation through with a PASS, without asking the yard to release it again', async () => {
    const x = atExit(false, true);
    x.review(['yard-not-cleared']);
    await settle(x.clock);
    expect(x.calls).toEqual([
      'decide yard-exit PASS released from isolation by the coordinator: yard-not-cleared',
    ]);
    expect(x.stats.laneOverrides).toBe(1);
    expect(x.stats.staffFailures).toBe(0);
  });

  it('keep a truck the yard will not release, and leave other exit REVIEWs alone', async () => {
    const refused = atExit(false);
    refused.review(['yard-not-cleared']);
    await settle(refused.clock);
    expect(refused.calls).toEqual([
      'release P-0007 identified at the exit by the coordinator (yard-not-cleared)',
    ]);
    expect(refused.stats.staffFailures).toBe(1);
    expect(Object.fromEntries(refused.stats.staffFailuresByAction)).toEqual({ 'exit release': 1 });
    const other = atExit(true);
    other.review(['pass-expired']);
    await settle(other.clock);
    expect(other.calls).toEqual([]);
  });
});
