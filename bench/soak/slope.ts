/**
 * Least-squares slopes of the real-time soak's series: how much each measure grows per 10,000
 * transits after the warm-up, rather than the first tenth against the last.
 */
export interface Fit {
  /** Change of y per unit of x. */
  slope: number;
  intercept: number;
  /** Points the fit used. */
  n: number;
}

/** The ordinary least-squares line through the points; undefined under two distinct x values. */
export function leastSquares(points: readonly (readonly [number, number])[]): Fit | undefined {
  const finite = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const n = finite.length;
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of finite) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of finite) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, n };
}

/** The samples after the warm-up: those whose `t` is at least `warmUpShare` of the last one's. */
export function afterWarmUp<S extends { t: number }>(samples: readonly S[], warmUpShare: number): S[] {
  const end = samples.at(-1)?.t ?? 0;
  return samples.filter((s) => s.t >= end * warmUpShare);
}

/**
 * The slope of `y` per 10,000 transits over `samples` (x = transits so far); undefined when the
 * transits did not move (nothing to divide by).
 */
export function slopePer10kTransits<S extends { transits: number }>(
  samples: readonly S[],
  y: (s: S) => number,
): number | undefined {
  const fit = leastSquares(samples.map((s) => [s.transits, y(s)] as const));
  return fit === undefined ? undefined : fit.slope * 10_000;
}
