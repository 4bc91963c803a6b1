/** Samples of a Prometheus text exposition: `name{a="1",b="2"}` (labels sorted) → value. */
export type Samples = Map<string, number>;

export function parsePrometheus(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '').slice(1, -1).split(',').filter(Boolean).sort().join(',');
    out.set(labels ? `${m[1]}{${labels}}` : (m[1] ?? ''), Number(m[3]));
  }
  return out;
}

/** Whether a series key (`name{a="1",b="2"}`) has every label of `match` with its value. */
function labelMatcher(match: Record<string, string>): (key: string) => boolean {
  const want = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
  return (key) => want.every((w) => key.includes(w));
}

/** The sum of every series of a metric whose labels include `match`. */
export function sumOf(samples: Samples, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  const matches = labelMatcher(match);
  for (const [key, value] of samples) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (matches(key)) sum += value;
  }
  return sum;
}

export async function scrape(opsUrl: string): Promise<Samples | undefined> {
  try {
    const res = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? parsePrometheus(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upper bound of the bucket holding quantile `q` of a histogram, all its label sets that
 * include `match` added up, over what was observed between two scrapes (`since` the earlier,
 * undefined for all).
 */
export function histogramQuantile(
  now: Samples,
  since: Samples | undefined,
  name: string,
  q: number,
  match: Record<string, string> = {},
): number | undefined {
  const counts = new Map<number, number>();
  const matches = labelMatcher(match);
  for (const [key, value] of now) {
    if (!key.startsWith(`${name}_bucket{`)) continue;
    if (!matches(key)) continue;
    const le = /le="([^"]+)"/.exec(key)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + value - (since?.get(key) ?? 0));
  }
  const bounds = [...counts.keys()].sort((a, b) => a - b);
  const total = counts.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return undefined;
  return bounds.find((b) => (counts.get(b) ?? 0) >= q * total);
}
