/** Times and durations for the screens. */

const pad = (n: number) => String(n).padStart(2, '0');

/** `h:mm:ss` or `m:ss`; negative durations keep their sign. */
export function duration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const s = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return hours > 0 ? `${sign}${hours}:${pad(m)}:${pad(s % 60)}` : `${sign}${m}:${pad(s % 60)}`;
}

/** A dwell or age in whole minutes or hours: `45 min`, `5 h 20 min`. */
export function dwell(ms: number, units: { min: string; h: string }): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 60) return `${min} ${units.min}`;
  return `${Math.floor(min / 60)} ${units.h} ${pad(min % 60)} ${units.min}`;
}

/** Local wall-clock time of an epoch, `HH:MM:SS`. */
export function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function celsius(c: number): string {
  return `${c.toFixed(1)} °C`;
}
