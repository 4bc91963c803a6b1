/**
 * ISO 8601 / RFC 3339 times as passes and operators write them, read the same on every host:
 * `YYYY-MM-DD`, optionally `T` (or a space) `hh:mm[:ss[.fraction]]`, optionally a zone `Z`,
 * `±hh:mm`, `±hhmm` or `±hh`. A time without a zone is UTC, never the host's local time (the
 * EU DCC test data and the operators of `gatepost verify --at` mean UTC when they give no zone;
 * `Date.parse` would read it as local time, and shift it by the host's offset). A date that does
 * not exist (`2021-02-30`, hour 24, minute 60) is refused, where `Date.parse` rolls it over.
 */

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch milliseconds, or undefined when the text is not such a time or names no real instant. */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = zone.length === 3 ? 0 : Number(zone.slice(-2)); // ±hh, ±hhmm, ±hh:mm
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0-99 to 1900-1999; set the year again to keep it.
  const date = new Date(utc);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
}
