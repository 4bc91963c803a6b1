import type { LatencySample } from './latency-probe.ts';
import { max, median, percentile } from './stats.ts';

/**
 * The rush-hour bench's figures of one condition (quiet, MQTT-loaded, co-located) over its
 * rounds: each figure is computed per round, then reported as the median of the rounds with
 * `_spread` beside it (the highest round less the lowest), so that one noisy round shows as
 * spread instead of moving the figure.
 */
export interface RoundFigures {
  [name: string]: number;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** p50/p99/max of a round's samples, all lanes and by barrier kind, under `suffix`. */
export function latencyFigures(
  samples: readonly LatencySample[],
  serialLanes: ReadonlySet<string>,
  suffix: string,
): RoundFigures {
  const ms = samples.map((s) => s.ms);
  const of = (serial: boolean) => samples.filter((s) => serialLanes.has(s.lane) === serial).map((s) => s.ms);
  return {
    [`scan_to_barrier_p50_ms${suffix}`]: r1(percentile(ms, 50)),
    [`scan_to_barrier_p99_ms${suffix}`]: r1(percentile(ms, 99)),
    [`scan_to_barrier_max_ms${suffix}`]: r1(max(ms)),
    [`scan_to_barrier_samples${suffix}`]: ms.length,
    [`scan_to_barrier_p99_ms${suffix}_gpio_lanes`]: r1(percentile(of(false), 99)),
    [`scan_to_barrier_p99_ms${suffix}_serial_lanes`]: r1(percentile(of(true), 99)),
    [`scan_to_barrier_p50_ms${suffix}_serial_lanes`]: r1(percentile(of(true), 50)),
  };
}

/** Each figure's median over the rounds, and `<name>_spread` (max − min) beside it; sample counts summed. */
export function acrossRounds(rounds: readonly RoundFigures[]): RoundFigures {
  const out: RoundFigures = {};
  const names = new Set(rounds.flatMap((r) => Object.keys(r)));
  for (const name of names) {
    const xs = rounds.map((r) => r[name]).filter((x): x is number => x !== undefined && Number.isFinite(x));
    if (xs.length === 0) continue;
    if (name.includes('_samples')) {
      out[name] = xs.reduce((a, b) => a + b, 0);
      continue;
    }
    out[name] = r1(median(xs));
    if (xs.length > 1) out[`${name}_spread`] = r1(Math.max(...xs) - Math.min(...xs));
  }
  return out;
}
