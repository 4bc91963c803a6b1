import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { calibrationStatus } from '../../devices/thermometer/calibration.ts';
import { ThermometerConfigSchema } from '../../devices/thermometer/config.ts';
import { CalibrationWatch, calibrationAlarm } from '../../gateway/lanes/calibration-watch.ts';

/** A lane thermometer's calibration: due on its day, overdue after, the alarm once. */
const DAY = 86_400_000;
const port = { path: '/dev/null' };

describe('thermometer calibration', () => {
  it('is due calibrationIntervalDays after calibratedAt; none watched without an interval', () => {
    const now = Date.UTC(2026, 11, 6, 10);
    expect(calibrationStatus({ calibratedAt: '2026-09-01', calibrationIntervalDays: 90 }, now)).toEqual({
      calibratedAt: '2026-09-01',
      dueAt: Date.UTC(2026, 10, 30),
      overdue: true,
    });
    expect(
      calibrationStatus({ calibratedAt: '2026-09-01', calibrationIntervalDays: 180 }, now)?.overdue,
    ).toBe(false);
    expect(calibrationStatus({ calibratedAt: '2026-09-01' }, now)).toBeUndefined();
    expect(calibrationStatus({ calibrationIntervalDays: 30 }, now)).toEqual({ dueAt: 0, overdue: true });
  });

  it('is configured per thermometer, a day and a whole number of days', () => {
    const ok = ThermometerConfigSchema.parse({
      port,
      calibratedAt: '2026-09-01',
      calibrationIntervalDays: 90,
    });
    expect(ok).toMatchObject({ calibratedAt: '2026-09-01', calibrationIntervalDays: 90 });
    expect(ThermometerConfigSchema.safeParse({ port, calibratedAt: '1 Sept 2026' }).success).toBe(false);
    expect(ThermometerConfigSchema.safeParse({ port, calibrationIntervalDays: 0 }).success).toBe(false);
    expect(ThermometerConfigSchema.parse({ port }).calibratedAt).toBeUndefined();
  });

  it('raises its alarm once when the day comes while running, with the catalogued code', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
    const raised: unknown[] = [];
    const watch = new CalibrationWatch({
      config: { calibratedAt: '2026-09-01', calibrationIntervalDays: 90 },
      clock,
      overdue: (s) => raised.push(calibrationAlarm(s)),
    });
    watch.start();
    expect(watch.status()?.overdue).toBe(false);
    await clock.advance(DAY);
    expect(raised).toEqual([]);
    await clock.advance(DAY);
    expect(watch.status()?.overdue).toBe(true);
    expect(raised).toEqual([
      {
        message: 'thermometer calibration overdue since 2026-11-30 (calibrated 2026-09-01)',
        params: {
          device: 'thermometer',
          due: '2026-11-30',
          errorCode: ErrorCode.CalibrationOverdue,
          calibratedAt: '2026-09-01',
        },
      },
    ]);
    await clock.advance(30 * DAY);
    expect(raised).toHaveLength(1);
    expect(clock.pending).toBe(0);
    watch.stop();
  });

  it('raises at once when overdue at start; nothing without an interval or a thermometer', () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6));
    const raised: unknown[] = [];
    const overdue = (s: unknown) => raised.push(s);
    new CalibrationWatch({ config: { calibrationIntervalDays: 30 }, clock, overdue }).start();
    expect(raised).toEqual([{ dueAt: 0, overdue: true }]);
    new CalibrationWatch({ config: { calibratedAt: '2026-01-01' }, clock, overdue }).start();
    new CalibrationWatch({ config: undefined, clock, overdue }).start();
    expect(raised).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
