import { ErrorCode } from '../../core/errors.ts';

/**
 * A thermometer's calibration as its config states it (`calibratedAt`, `calibrationIntervalDays`):
 * when the next one is due and whether it is overdue. Pure; the lane watches it
 * (gateway/lanes/calibration-watch.ts).
 */
export interface CalibrationConfig {
  calibratedAt?: string | undefined;
  calibrationIntervalDays?: number | undefined;
}

export interface CalibrationStatus {
  /** The day of the last calibration, YYYY-MM-DD (absent: none known). */
  calibratedAt?: string;
  /** When the next calibration is due, epoch ms (the start of that day, UTC). */
  dueAt: number;
  overdue: boolean;
}

const DAY = 86_400_000;

/** The catalogued code an overdue calibration is reported with (docs/errors.md). */
export const CALIBRATION_OVERDUE_CODE: number = ErrorCode.CalibrationOverdue;

/** Undefined when no interval is configured (no calibration is watched). */
export function calibrationStatus(config: CalibrationConfig, now: number): CalibrationStatus | undefined {
  const days = config.calibrationIntervalDays;
  if (days === undefined) return undefined;
  if (config.calibratedAt === undefined) return { dueAt: 0, overdue: true };
  const dueAt = Date.parse(`${config.calibratedAt}T00:00:00Z`) + days * DAY;
  return { calibratedAt: config.calibratedAt, dueAt, overdue: now >= dueAt };
}
