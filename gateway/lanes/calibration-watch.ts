import type { Clock, TimerHandle } from '../../core/clock.ts';
import {
  CALIBRATION_OVERDUE_CODE,
  type CalibrationConfig,
  type CalibrationStatus,
  calibrationStatus,
} from '../../devices/thermometer/calibration.ts';

/** The longest single wait: a timer re-arms daily rather than trust one set weeks ahead. */
const MAX_WAIT_MS = 86_400_000;

export interface CalibrationWatchDeps {
  config: CalibrationConfig | undefined;
  clock: Clock;
  /** The calibration is overdue (at start-up, or when its day comes): once per run. */
  overdue: (s: CalibrationStatus) => void;
}

/**
 * Watches a lane thermometer's calibration: `status()` for the lane's state (the kiosk's device
 * panel), and `overdue` called once when it is overdue at start or becomes so while running.
 */
export class CalibrationWatch {
  private timer: TimerHandle | undefined;
  private raised = false;

  constructor(private readonly d: CalibrationWatchDeps) {}

  status(): CalibrationStatus | undefined {
    return this.d.config ? calibrationStatus(this.d.config, this.d.clock.now()) : undefined;
  }

  start(): void {
    this.check();
  }

  stop(): void {
    this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    this.timer = undefined;
    const s = this.status();
    if (!s || this.raised) return;
    if (s.overdue) {
      this.raised = true;
      this.d.overdue(s);
      return;
    }
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, s.dueAt - this.d.clock.now()));
    this.timer = this.d.clock.setTimeout(() => this.check(), wait);
  }
}

/** The lane alarm of an overdue calibration: English for the logs, params the pages word it from. */
export function calibrationAlarm(s: CalibrationStatus): {
  message: string;
  params: { device: string; due: string; errorCode: number; calibratedAt?: string };
} {
  const due = s.calibratedAt ? new Date(s.dueAt).toISOString().slice(0, 10) : '—';
  return {
    message: s.calibratedAt
      ? `thermometer calibration overdue since ${due} (calibrated ${s.calibratedAt})`
      : 'thermometer calibration overdue: no calibratedAt configured',
    params: {
      device: 'thermometer',
      due,
      errorCode: CALIBRATION_OVERDUE_CODE,
      ...(s.calibratedAt ? { calibratedAt: s.calibratedAt } : {}),
    },
  };
}
