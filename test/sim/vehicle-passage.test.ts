import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import {
  detectorPlaces,
  drawProfile,
  STOP_AT_M,
  VehicleOnLane,
  type VehicleProfile,
} from '../../sim/devices/barrier/vehicle-passage.ts';
import { Random } from '../../sim/random.ts';

const places = detectorPlaces([
  { role: 'presence', name: 'loop', kind: 'loop' },
  { role: 'presence', name: 'eye', kind: 'photo-eye' },
  { role: 'reset', name: 'reset', kind: 'loop' },
]);

/** The detector changes a vehicle makes, with their clock times. */
function watch(profile: VehicleProfile) {
  const clock = new ManualClock(0);
  const changes: { t: number; name: string; high: boolean }[] = [];
  const v = new VehicleOnLane(clock, places, profile, (name, high) =>
    changes.push({ t: clock.now(), name, high }),
  );
  return { clock, changes, v };
}

describe('a simulated vehicle over the barrier detectors', () => {
  it('a tractor-trailer whose coupling is 4.4 m, at 2 m/s, leaves the 2 m loop dark for 1.2 s', async () => {
    const { clock, changes, v } = watch({
      kind: 'tractor-trailer',
      tractorM: 6,
      gapM: 4.4,
      trailerM: 13,
      speedMps: 2,
    });
    let stopped = false;
    v.driveTo(STOP_AT_M, () => {
      stopped = true;
    });
    await clock.advance(10_000);
    expect(stopped).toBe(true);
    expect(v.on('loop')).toBe(true);
    expect(v.on('eye')).toBe(false); // waits before the beam
    const from = clock.now();
    let gone = false;
    v.driveThrough(() => {
      gone = true;
    });
    await clock.advance(30_000);
    expect(gone).toBe(true);
    const loop = changes.filter((c) => c.name === 'loop' && c.t >= from);
    expect(loop.map((c) => c.high)).toEqual([false, true, false]);
    expect((loop[1]?.t ?? 0) - (loop[0]?.t ?? 0)).toBe(1200);
    // Every detector dark together only in the coupling over the loop, and at the end.
    for (const name of ['loop', 'eye', 'reset']) expect(v.on(name)).toBe(false);
  });

  it('stops where it is and goes on from there; backing away leaves every detector at once', async () => {
    const { clock, v } = watch({ kind: 'rigid', tractorM: 9, gapM: 0, trailerM: 0, speedMps: 2 });
    v.driveTo(STOP_AT_M);
    await clock.advance(10_000);
    v.driveThrough();
    await clock.advance(500);
    v.halt();
    expect(v.position).toBeCloseTo(STOP_AT_M + 1, 5);
    expect(v.on('eye')).toBe(true);
    await clock.advance(5_000);
    expect(v.position).toBeCloseTo(STOP_AT_M + 1, 5);
    v.leave();
    expect(v.on('eye') || v.on('loop')).toBe(false);
  });

  it('draws tractor-trailers whose loop drop stays under the 1.5 s trailer gap', () => {
    const r = new Random(7);
    const profiles = Array.from({ length: 500 }, () => drawProfile(r));
    expect(profiles.some((p) => p.kind === 'rigid')).toBe(true);
    const trailers = profiles.filter((p) => p.kind === 'tractor-trailer');
    expect(trailers.length).toBeGreaterThan(200);
    for (const p of trailers) expect(((p.gapM - 2) / p.speedMps) * 1000).toBeLessThanOrEqual(1200);
  });
});
