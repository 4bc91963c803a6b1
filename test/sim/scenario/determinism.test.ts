import { afterEach, describe, expect, it } from 'vitest';
import { formatEvent } from '../../../sim/traffic/sim-events.ts';
import { advance, type TestRun, testRun } from '../support/sim-run.ts';

const runs: TestRun[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.stop();
});

/** A busy half hour: bursts, every pass kind, fevers, a gateway stand-in, the yard, and faults. */
const SCENARIO = {
  traffic: {
    default: { arrivalsPerHour: 90, burst: { every: '10m', size: 4 }, feverRate: 0.1 },
    yard: { driveToBay: '1m', sampleAfter: '1m', resultAfter: '3m', leaveAfter: '1m', driveToExit: '30s' },
  },
  timeline: [
    { at: '00:02:00', lane: 'east-1', fault: 'unplug', device: 'scanner', for: '30s' },
    { at: '00:03:00', lane: 'west-1', fault: 'noise', device: 'thermometer', bytes: 16 },
    { at: '00:04:00', lane: 'east-2', fault: 'garbage' },
    { at: '00:05:00', lane: 'west-2', fault: 'truncated-code' },
    { at: '00:06:00', lane: 'east-1', fault: 'tailgate' },
    { at: '00:07:00', lane: 'west-1', fault: 'stop-on-loop', for: '5s' },
    { at: '00:08:00', bus: 'bus-1', fault: 'bus-silent', for: '2m' },
    { at: '00:10:00', traffic: { arrivalsPerHour: 200 } },
  ],
};

/** The device events of a run: control-API calls with their arguments (scanned codes and raw bytes included). */
async function deviceEvents(seed: number): Promise<{ device: string[]; all: string[]; run: TestRun }> {
  const r = await testRun({ seed, scenario: SCENARIO, gateway: true });
  runs.push(r);
  r.run.start();
  await advance(r.clock, 30 * 60_000);
  r.run.stop();
  return {
    device: r.events.filter((e) => e.kind === 'device').map(formatEvent),
    all: r.events.map(formatEvent),
    run: r,
  };
}

describe('a scenario run is a function of its seed', () => {
  it('the same seed gives the same sequence of device events; another seed another one', async () => {
    const a = await deviceEvents(42);
    const b = await deviceEvents(42);
    const c = await deviceEvents(43);

    // Enough happened for the comparison to mean something: trucks, scans, the yard, faults.
    const stats = a.run.run.traffic.stats;
    expect(stats.arrivals).toBeGreaterThan(20);
    expect(stats.scans).toBeGreaterThan(10);
    expect(stats.parked).toBeGreaterThan(0);
    expect(stats.total(stats.faults)).toBe(SCENARIO.timeline.filter((e) => 'fault' in e).length);
    expect(a.device.some((e) => /scanner present GP1:/.test(e))).toBe(true);
    expect(a.device.some((e) => /scanner sendRaw truncated [0-9a-f]+$/.test(e))).toBe(true);
    expect(a.device.some((e) => / bay P-\d{4} occupy$/.test(e))).toBe(true);

    expect(b.device).toEqual(a.device);
    expect(b.all).toEqual(a.all);
    expect(c.device).not.toEqual(a.device);
  });
});
