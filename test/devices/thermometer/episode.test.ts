import { describe, expect, it } from 'vitest';
import { type EpisodeOutput, MeasurementEpisode, median } from '../../../devices/thermometer/episode.ts';
import { decodeThermometerRegisters } from '../../../devices/thermometer/registers.ts';

const opts = { stableWindowMs: 2000, plausibleMinC: 30, plausibleMaxC: 45 };
const s = (objectC: number, bits: { present?: boolean; stable?: boolean; fault?: boolean } = {}) => ({
  objectC,
  ambientC: 20,
  present: bits.present ?? true,
  stable: bits.stable ?? true,
  fault: bits.fault ?? false,
});
const measurements = (outs: EpisodeOutput[]) => outs.filter((o) => o.kind === 'measurement');

/** Feeds samples 200 ms apart (the default poll interval) and collects the outputs. */
function run(e: MeasurementEpisode, samples: ReturnType<typeof s>[], start = 0): EpisodeOutput[] {
  return samples.flatMap((sample, i) => e.sample(sample, start + i * 200));
}

describe('thermometer registers', () => {
  it('decodes signed tenths and the status bits', () => {
    expect(decodeThermometerRegisters([365, 0xfff6, 0b011])).toEqual({
      objectC: 36.5,
      ambientC: -1,
      present: true,
      stable: true,
      fault: false,
    });
    expect(decodeThermometerRegisters([0, 0, 0b100]).fault).toBe(true);
  });
});

describe('MeasurementEpisode (one measurement per presence episode)', () => {
  it('publishes the median after 2 s of stable readings, then nothing until the target leaves', () => {
    const e = new MeasurementEpisode(opts);
    const temps = [36.4, 36.6, 36.5, 36.7, 36.5, 36.3, 36.5, 36.6, 36.4, 36.5, 36.8, 36.9, 37.0];
    const outs = run(
      e,
      temps.map((t) => s(t)),
    );
    const m = measurements(outs);
    expect(m).toHaveLength(1);
    // 11 readings from 0 to 2000 ms; their median:
    expect(m[0]).toMatchObject({
      objectC: median(temps.slice(0, 11)),
      readings: 11,
      windowMs: 2000,
      reason: 'stable-window',
    });
    expect(outs[0]).toEqual({ kind: 'presence', present: true });
    expect(measurements(run(e, [s(39), s(39)], 5000))).toEqual([]);
    expect(e.sample(s(20, { present: false }), 6000)).toEqual([{ kind: 'presence', present: false }]);
  });

  it('publishes the window when the target leaves before 2 s', () => {
    const e = new MeasurementEpisode(opts);
    run(e, [s(36.1), s(36.3), s(36.2)]);
    const outs = e.sample(s(22, { present: false }), 600);
    expect(measurements(outs)).toEqual([
      { kind: 'measurement', objectC: 36.2, ambientC: 20, readings: 3, windowMs: 400, reason: 'target-left' },
    ]);
  });

  it('restarts the window when the reading is not stable, and ignores readings without a target', () => {
    const e = new MeasurementEpisode(opts);
    expect(run(e, [s(20, { present: false }), s(21, { present: false })])).toEqual([]);
    run(e, [s(35), s(35), s(35), s(35), s(36, { stable: false })], 1000);
    // The window starts afresh at 2000 ms: no measurement until 4000 ms.
    expect(
      measurements(
        run(
          e,
          Array.from({ length: 10 }, () => s(37)),
          2000,
        ),
      ),
    ).toEqual([]);
    const m = measurements(e.sample(s(37), 4000));
    expect(m).toMatchObject([{ objectC: 37, readings: 11 }]);
  });

  it('reports an implausible reading and leaves it out of the window: never a fever', () => {
    const e = new MeasurementEpisode(opts);
    const outs = run(e, [s(36.5), s(52.3), s(29.9), s(36.7)]);
    expect(outs.filter((o) => o.kind === 'implausible')).toEqual([
      { kind: 'implausible', objectC: 52.3 },
      { kind: 'implausible', objectC: 29.9 },
    ]);
    expect(measurements(e.sample(s(20, { present: false }), 800))).toMatchObject([
      { objectC: 36.6, readings: 2 },
    ]);
  });

  it('ignores every reading of a poll with the fault bit', () => {
    const e = new MeasurementEpisode(opts);
    expect(e.sample(s(99, { fault: true }), 0)).toEqual([]);
    run(e, [s(36), s(36, { fault: true, present: false }), s(36)], 100);
    expect(measurements(e.sample(s(20, { present: false }), 1000))).toMatchObject([{ readings: 2 }]);
  });

  it('a target that leaves with no stable reading yields no measurement', () => {
    const e = new MeasurementEpisode(opts);
    run(e, [s(36, { stable: false }), s(36, { stable: false })]);
    expect(e.sample(s(20, { present: false }), 500)).toEqual([{ kind: 'presence', present: false }]);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([36.4, 36.5, 36.7, 36.9])).toBe(36.6);
    expect(median([37.3])).toBe(37.3);
  });
});
