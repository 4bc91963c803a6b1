import type { StorageLevel } from '../mqtt/gateway-payloads.ts';

export const LEVELS: readonly StorageLevel[] = ['ok', 'warning', 'critical', 'full'];

/** A level is left only this far (in points of the ratio) below where it is entered. */
export const LEVEL_MARGIN = 0.03;

export interface LevelThresholds {
  /** Ratios at which warning and critical are entered; full is entered at 1. */
  warning: number;
  critical: number;
  /** How far below its entry ratio a level is left. */
  margin: number;
}

export interface LevelChange {
  level: StorageLevel;
  /**
   * Every level passed on the way, in order, ending with `level` (empty when unchanged): ok to
   * full in one measurement is `['warning', 'critical', 'full']`, so that no alarm is skipped.
   */
  steps: StorageLevel[];
}

/**
 * The storage level for a measured ratio, with hysteresis: a level is entered at its
 * threshold (warning, critical, 1 for full) and left only once the ratio is `margin` below it.
 * A ratio that wanders within less than `margin` therefore never takes the level down and up
 * again (test/store/disk-levels.test.ts holds it to that).
 */
export function nextLevel(current: StorageLevel, ratio: number, t: LevelThresholds): LevelChange {
  const enter = [Number.NEGATIVE_INFINITY, t.warning, t.critical, 1];
  const from = LEVELS.indexOf(current);
  let to = from;
  while (to < LEVELS.length - 1 && ratio >= (enter[to + 1] ?? Number.POSITIVE_INFINITY)) to++;
  if (to === from) while (to > 0 && ratio < (enter[to] ?? 0) - t.margin) to--;
  const steps: StorageLevel[] = [];
  if (to > from) for (let i = from + 1; i <= to; i++) steps.push(LEVELS[i] ?? 'full');
  else if (to < from) for (let i = from - 1; i >= to; i--) steps.push(LEVELS[i] ?? 'ok');
  return { level: LEVELS[to] ?? 'ok', steps };
}
