/** Nearest-rank percentile of numbers (sorted or not); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** Rounds to `digits` significant decimals for the report (integers above 1,000). */
export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  if (Math.abs(n) >= 1000) return Math.round(n);
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
