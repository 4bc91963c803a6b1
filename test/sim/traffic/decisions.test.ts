import { afterEach, describe, expect, it } from 'vitest';
import type { SimGpioBarrier } from '../../../sim/devices/barrier/gpio-barrier.ts';
import { type FaultSite, faultSite } from '../support/fault-site.ts';
import { HandLink } from '../support/hand-link.ts';

const sites: FaultSite[] = [];
afterEach(async () => {
  for (const s of sites.splice(0)) await s.stop();
});

/** One truck on the GPIO lane, scanned, let through by a pulse on the open relay; resolves once it left the loop. */
async function throughWithoutDecision(link: HandLink) {
  const fs = await faultSite('mem', 'in-process', { default: { arrivalsPerHour: 0 } }, link);
  sites.push(fs);
  const { traffic } = fs.run;
  const truck = traffic.population.next({ yellow: 1 }, 0);
  traffic.lane('gpio').enqueue(truck);
  for (let i = 0; i < 60 && !fs.events.some((e) => e.action === 'present'); i++) await fs.clock.advance(250);
  const b = fs.site.lane('gpio').barrier as SimGpioBarrier;
  b.chip.output(b.config.lines.open).write(1);
  await fs.clock.advance(300);
  b.chip.output(b.config.lines.open).write(0);
  // Through once its rear is past the last detector (a trailer's coupling clears the loop for a moment before).
  const through = () => fs.events.some((e) => e.action === 'through');
  for (let i = 0; i < 80 && !through(); i++) await fs.clock.advance(250);
  expect(through()).toBe(true);
  expect(b.loopOccupied).toBe(false);
  return { fs, truck };
}

describe('decisions seen on the broker', () => {
  it('a decision that arrives after the truck drove off still sends it to its bay', async () => {
    const link = new HandLink();
    const { fs, truck } = await throughWithoutDecision(link);
    await fs.clock.advance(5_000);
    expect(fs.events.some((e) => e.action === 'gone')).toBe(false); // still waiting for its decision
    link.publish({
      lane: 'gpio',
      outcome: 'YARD',
      transitId: 't1',
      plate: truck.holder.plate,
      bay: 'P-0003',
    });
    expect(fs.events.find((e) => e.action === 'drives to bay')).toMatchObject({
      subject: truck.id,
      detail: 'P-0003',
    });
    expect(fs.run.traffic.stats.decisions.get('YARD')).toBe(1);
  });

  it('no decision within 15 s of driving off: the truck is taken as gone', async () => {
    const link = new HandLink();
    const { fs, truck } = await throughWithoutDecision(link);
    const left = fs.events.find((e) => e.action === 'through')?.t ?? 0;
    await fs.clock.advance(15_000);
    expect(fs.events.find((e) => e.action === 'gone')).toMatchObject({
      subject: truck.id,
      detail: 'no decision seen',
      t: left + 15_000,
    });
  });
});

describe('a fever to be rechecked (rules.feverConfirm: recheck)', () => {
  it('a driver alone, told recheck-required, waits past their patience and steps up to the thermometer again after the pause', async () => {
    const link = new HandLink();
    const fs = await faultSite(
      'mem',
      'in-process',
      { default: { arrivalsPerHour: 0, patience: '60s' } },
      link,
    );
    sites.push(fs);
    const { traffic } = fs.run;
    const pause = fs.site.config.rules.recheckPauseMs;
    expect(fs.site.config.rules.feverConfirm).toBe('recheck');
    let truck = traffic.population.next({ green: 1 }, 1);
    while (truck.crew.length > 0) truck = traffic.population.next({ green: 1 }, 1);
    traffic.lane('ser').enqueue(truck);
    const targets = () => fs.events.filter((e) => e.action === 'presentTarget');
    for (let i = 0; i < 80 && targets().length === 0; i++) await fs.clock.advance(250);
    expect(targets()).toHaveLength(1);
    await fs.clock.advance(3_000);
    const decidedAt = fs.run.log.elapsed();
    link.publish({ lane: 'ser', outcome: 'REVIEW', transitId: 't1', reasons: ['recheck-required'] });
    expect(fs.events.some((e) => e.action === 'waits for a recheck')).toBe(true);

    // Past the 60 s patience it is still on the loop, waiting for the pause to end.
    await fs.clock.advance(pause);
    expect(fs.events.some((e) => e.action === 'backs off')).toBe(false);
    expect(targets()).toHaveLength(1);
    await fs.clock.advance(11_000);
    const again = targets()[1];
    expect(again?.detail).toBe(truck.temperatureC.toFixed(1));
    expect((again?.t ?? 0) - decidedAt).toBeGreaterThanOrEqual(pause + 2_000);
    expect((again?.t ?? 0) - decidedAt).toBeLessThanOrEqual(pause + 10_000);

    // Decided again for the same transit (the fever confirmed): no third reading, and the truck is
    // still the lane's, waiting for staff until its patience runs out after the recheck.
    link.publish({ lane: 'ser', outcome: 'ISOLATE', transitId: 't1', reasons: ['fever'] });
    await fs.clock.advance(20_000);
    expect(targets()).toHaveLength(2);
    expect(fs.events.some((e) => e.action === 'backs off')).toBe(false);
    await fs.clock.advance(60_000);
    expect(fs.events.some((e) => e.action === 'backs off')).toBe(true);
  });
});
