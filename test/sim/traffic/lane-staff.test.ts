import { afterEach, describe, expect, it } from 'vitest';
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
