import { afterEach, describe, expect, it } from 'vitest';
import type { SimEvent } from '../../../sim/traffic/sim-events.ts';
import { type TestRun, testRun } from '../support/sim-run.ts';

const runs: TestRun[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.stop();
});

async function started(scenario: unknown, seed = 11): Promise<TestRun> {
  const r = await testRun({ seed, scenario });
  runs.push(r);
  r.run.start();
  return r;
}

const HOUR = 3_600_000;
const ENTRY_LANES = ['east-1', 'east-2', 'west-1', 'west-2'];

/** Arrival events per lane id. */
function arrivalsByLane(events: SimEvent[]): Map<string, SimEvent[]> {
  const out = new Map<string, SimEvent[]>();
  for (const e of events.filter((x) => x.action === 'arrives')) {
    const lane = e.detail?.split(' ')[0] ?? '';
    out.set(lane, [...(out.get(lane) ?? []), e]);
  }
  return out;
}

describe('arrivals', () => {
  it('random arrivals come at the configured mean rate at every entry lane, none at the yard exit', async () => {
    const rate = 120;
    const hours = 4;
    const r = await started({
      traffic: { default: { arrivalsPerHour: rate, patience: '20s', queueMax: 1000 } },
    });
    await r.clock.advance(hours * HOUR);
    const byLane = arrivalsByLane(r.events);
    expect([...byLane.keys()].sort()).toEqual(ENTRY_LANES);
    const expected = rate * hours;
    // Poisson: the standard deviation is sqrt(480) ≈ 22; allow five of them per lane.
    for (const lane of ENTRY_LANES) {
      expect(Math.abs((byLane.get(lane)?.length ?? 0) - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    expect(r.run.traffic.stats.arrivals).toBe(r.events.filter((e) => e.action === 'arrives').length);
  });

  it('a burst brings `size` trucks `spacing` apart, `every` so often', async () => {
    const r = await started({
      traffic: {
        default: {
          arrivalsPerHour: 0,
          burst: { every: '30m', size: 5, spacing: ['2s', '6s'] },
          queueMax: 100,
        },
      },
    });
    await r.clock.advance(2 * HOUR + 60_000); // the fourth burst starts at 2 h
    for (const lane of ENTRY_LANES) {
      const times = (arrivalsByLane(r.events).get(lane) ?? []).map((e) => e.t);
      expect(times.length).toBe(4 * 5);
      for (let b = 0; b < 4; b++) {
        const burst = times.slice(b * 5, b * 5 + 5);
        expect(burst[0]).toBe((b + 1) * 30 * 60_000);
        for (let i = 1; i < 5; i++) {
          const gap = (burst[i] ?? 0) - (burst[i - 1] ?? 0);
          expect(gap).toBeGreaterThanOrEqual(2_000);
          expect(gap).toBeLessThan(6_000);
        }
      }
    }
  });

  it('a full queue turns trucks away and never grows past queueMax', async () => {
    const r = await started({
      traffic: { default: { arrivalsPerHour: 1200, patience: '10m', queueMax: 5 } },
    });
    let longest = 0;
    for (let i = 0; i < 60; i++) {
      await r.clock.advance(10_000);
      for (const lane of r.run.traffic.lanes.values()) longest = Math.max(longest, lane.queued);
    }
    expect(longest).toBe(5);
    expect(r.run.traffic.stats.turnedAway).toBeGreaterThan(0);
    expect(r.events.filter((e) => e.action === 'turns away')).toHaveLength(r.run.traffic.stats.turnedAway);
  });

  it('a timeline traffic entry changes the rate from its time on, for one lane or all', async () => {
    const r = await started({
      traffic: { default: { arrivalsPerHour: 0, queueMax: 1000, patience: '20s' } },
      timeline: [
        { at: '01:00:00', lane: 'west-2', traffic: { arrivalsPerHour: 300 } },
        { at: '02:00:00', traffic: { arrivalsPerHour: 300 } },
      ],
    });
    await r.clock.advance(3 * HOUR);
    const byLane = arrivalsByLane(r.events);
    const west2 = byLane.get('west-2') ?? [];
    expect(west2.length).toBeGreaterThan(0);
    expect(Math.min(...west2.map((e) => e.t))).toBeGreaterThan(HOUR);
    for (const lane of ['east-1', 'east-2', 'west-1']) {
      const times = (byLane.get(lane) ?? []).map((e) => e.t);
      expect(times.length).toBeGreaterThan(0);
      expect(Math.min(...times)).toBeGreaterThan(2 * HOUR);
    }
    expect(r.events.filter((e) => e.kind === 'scenario').map((e) => e.subject)).toEqual([
      'west-2',
      'all lanes',
    ]);
  });

  it('drivers: fevers at the configured rate, the pass mix by its weights', async () => {
    const r = await testRun({ seed: 5 });
    runs.push(r);
    const n = 2000;
    const mix = { green: 6, yellow: 3, plate: 1 };
    const trucks = Array.from({ length: n }, () => r.run.traffic.population.next(mix, 0.1));
    const share = (p: (t: (typeof trucks)[number]) => boolean) => trucks.filter(p).length / n;
    expect(share((t) => t.fever)).toBeCloseTo(0.1, 1);
    expect(share((t) => t.passKind === 'green')).toBeCloseTo(0.6, 1);
    expect(share((t) => t.passKind === 'yellow')).toBeCloseTo(0.3, 1);
    expect(share((t) => t.passKind === 'plate')).toBeCloseTo(0.1, 1);
    for (const t of trucks) {
      if (t.fever) expect(t.temperatureC).toBeGreaterThanOrEqual(37.5);
      else expect(t.temperatureC).toBeLessThan(37.3);
    }
    expect(new Set(trucks.map((t) => t.id)).size).toBe(n);
  });

  it('crews: 1-3 in a cab, each with their own pass and temperature, the same for a seed', async () => {
    const r = await testRun({ seed: 5 });
    runs.push(r);
    const n = 2000;
    const trucks = Array.from({ length: n }, () => r.run.traffic.population.next({ green: 1 }, 0.1));
    const size = (k: number) => trucks.filter((t) => t.crew.length + 1 === k).length / n;
    expect(size(1)).toBeCloseTo(0.7, 1);
    expect(size(2)).toBeCloseTo(0.22, 1);
    expect(size(3)).toBeCloseTo(0.08, 1);
    expect(trucks.every((t) => t.crew.length <= 2)).toBe(true);
    for (const t of trucks) {
      expect(t.crew.map((m) => m.role)).toEqual(['co-driver', 'escort'].slice(0, t.crew.length));
      // Each their own pass and holder, in the same truck (plate).
      expect(new Set([t.code, ...t.crew.map((m) => m.code)]).size).toBe(t.crew.length + 1);
      for (const m of t.crew) {
        expect(m.holder.plate).toBe(t.holder.plate);
        expect(m.holder.sub).not.toBe(t.holder.sub);
        if (m.fever) expect(m.temperatureC).toBeGreaterThanOrEqual(37.5);
        else expect(m.temperatureC).toBeLessThan(37.3);
      }
    }
    // The same seed gives the same trucks, crews and all.
    const again = await testRun({ seed: 5 });
    runs.push(again);
    const first = again.run.traffic.population.next({ green: 1 }, 0.1);
    expect([first.holder, first.temperatureC, first.crew]).toEqual([
      trucks[0]?.holder,
      trucks[0]?.temperatureC,
      trucks[0]?.crew,
    ]);
  });
});
