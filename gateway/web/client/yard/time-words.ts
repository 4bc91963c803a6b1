import { clockTime, dwell } from '../shared/format.ts';
import { t } from '../shared/i18n.ts';

/**
 * Times and countdowns on the yard page in words, never as a bare `9:28` that reads as a time of
 * day beside the clock: "9 min 28 s left" / "剩 9分28秒", "overdue +2 min" / "超时 +2分". A time
 * stamp of 0 (a bay never used since the yard began) is "never used", not 00:00:00.
 */

/** A span in words: seconds under a minute, minutes and seconds under an hour, then hours and minutes. */
export function spanWords(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('yard.dSec', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('yard.dMinSec', { m, s: s % 60 });
  return t('yard.dHourMin', { h: Math.floor(m / 60), m: m % 60 });
}

/** A late span in whole minutes once past the first minute ("+2 min"), seconds before. */
export function lateWords(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('yard.dSec', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('yard.dMin', { m });
  return t('yard.dHourMin', { h: Math.floor(m / 60), m: m % 60 });
}

/** What is left until `dueAt`, or how late it is: "9 min 28 s left" / "overdue +2 min". */
export function countdown(dueAt: number, now: number): string {
  return dueAt > now
    ? t('yard.left', { d: spanWords(dueAt - now) })
    : t('yard.over', { d: lateWords(now - dueAt) });
}

/** A wall-clock time, or "never used" for a missing or zero time stamp. */
export function clockOrNever(epochMs: number | undefined): string {
  return epochMs ? clockTime(epochMs) : t('bay.neverUsed');
}

/** A state's start with its age, "03:12:40 (45 min)", or "never used" when there is none. */
export function sinceWords(epochMs: number | undefined, now: number): string {
  if (!epochMs) return t('bay.neverUsed');
  return `${clockTime(epochMs)} (${dwell(now - epochMs, { min: t('unit.min'), h: t('unit.h') })})`;
}
