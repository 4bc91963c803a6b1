import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const CLOCK = /^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$/;
const UNITS = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Milliseconds of a duration written as `HH:MM:SS` (e.g. `01:30:00`, hours may exceed 23) or as
 * numbers with units `ms`, `s`, `m`, `h`, `d` (e.g. `90s`, `1h30m`, `2.5s`); a bare number is
 * seconds. Undefined when the text is none of these.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  const clock = CLOCK.exec(text);
  if (clock) return Math.round((Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3])) * 1000);
  if (!UNITS.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART)) ms += Number(n) * (UNIT_MS[unit as string] as number);
  return Math.round(ms);
}

/** `HH:MM:SS` of a run time in ms (for the summary and the event log). */
export function formatRunTime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

/** A duration field of a scenario: `HH:MM:SS`, `90s`, `1h30m`, or a number of seconds; parsed to ms. */
export const DurationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(v)} (write HH:MM:SS, or e.g. 90s, 5m, 1h30m, 2d)`,
    });
    return z.NEVER;
  }
  return ms;
});

export interface DurationRange {
  min: number;
  max: number;
}

/** A duration, or `[min, max]` for one drawn uniformly between the two; parsed to ms. */
export const DurationRangeSchema = z
  .union([DurationSchema, z.tuple([DurationSchema, DurationSchema])])
  .transform((v, ctx): DurationRange => {
    if (typeof v === 'number') return { min: v, max: v };
    const [min, max] = v;
    if (max < min) {
      ctx.addIssue({ code: 'custom', message: 'the second duration of a range must not be below the first' });
      return z.NEVER;
    }
    return { min, max };
  });
