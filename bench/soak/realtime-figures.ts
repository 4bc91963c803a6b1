import { median } from '../support/stats.ts';
import type { Outage } from './outage-schedule.ts';
import type { RealtimeSample } from './realtime-sample.ts';
import { afterWarmUp, slopePer10kTransits } from './slope.ts';

/** The series whose slopes per 10,000 transits the soak reports. */
const SLOPED: Record<string, (s: RealtimeSample) => number> = {
  rss_mb: (s) => s.rssMb,
  heap_used_mb: (s) => s.heapUsedMb,
  // Where the heap grows: code (V8 compiling more of the program as rarer paths run) or objects.
  heap_old_space_mb: (s) => s.heapSpacesMb?.old_space ?? Number.NaN,
  heap_code_space_mb: (s) => s.heapSpacesMb?.code_space ?? Number.NaN,
  heap_large_object_space_mb: (s) => s.heapSpacesMb?.large_object_space ?? Number.NaN,
  heap_code_and_metadata_mb: (s) => s.heapCodeMb?.code ?? Number.NaN,
  heap_bytecode_and_metadata_mb: (s) => s.heapCodeMb?.bytecode ?? Number.NaN,
  external_mb: (s) => s.externalMb,
  array_buffers_mb: (s) => s.arrayBuffersMb,
  fds: (s) => s.fds,
  handles: (s) => s.handles,
  timers: (s) => s.timers,
  event_loop_lag_p99_ms: (s) => s.loopLagP99Ms,
  store_mb: (s) => s.storeMb,
  wal_mb: (s) => s.walMb,
  pending_records: (s) => s.pending,
};

const r2 = (n: number) => Math.round(n * 100) / 100;

/** Slopes after the warm-up and the run's headline figures (non-finite ones left out). */
export function realtimeFigures(
  samples: readonly RealtimeSample[],
  final: RealtimeSample,
  warmUp: number,
  report: Record<string, unknown>,
  outages: readonly Outage[],
): { slopes: Record<string, number>; figures: Record<string, number> } {
  const steady = afterWarmUp(samples, warmUp);
  const slopes: Record<string, number> = {};
  for (const [name, y] of Object.entries(SLOPED)) {
    const v = slopePer10kTransits(steady, y);
    if (v !== undefined && Number.isFinite(v)) slopes[name] = Math.round(v * 1000) / 1000;
  }
  const traffic = (report.traffic ?? {}) as Record<string, number>;
  const bays = (report.bays ?? {}) as Record<string, number>;
  const minutes = (samples.at(-1)?.t ?? final.t) / 60;
  const of = (y: (s: RealtimeSample) => number) => steady.map(y).filter(Number.isFinite);
  const figures: Record<string, number> = {
    soak_rt_hours: r2(minutes / 60),
    soak_rt_decisions: final.decisions,
    soak_rt_decisions_per_min: r2(final.decisions / Math.max(minutes, 1e-9)),
    soak_rt_transits: final.transits,
    soak_rt_records: final.records,
    soak_rt_central_decisions: final.centralDecisions,
    soak_rt_pending_at_end: final.pending,
    soak_rt_transits_open_at_end: final.transitsOpen,
    soak_rt_outages: outages.length,
    soak_rt_rss_mb_steady_median: r2(median(of((s) => s.rssMb))),
    soak_rt_rss_mb_steady_max: r2(Math.max(...of((s) => s.rssMb))),
    soak_rt_heap_mb_steady_median: r2(median(of((s) => s.heapUsedMb))),
    soak_rt_event_loop_lag_p99_ms_max_outside_outages: r2(
      Math.max(...steady.filter((s) => !s.outage).map((s) => s.loopLagP99Ms)),
    ),
    soak_rt_store_mb_max: r2(Math.max(...samples.map((s) => s.storeMb + s.walMb))),
    soak_rt_device_errors: final.deviceErrors,
    soak_rt_alarms: final.alarms,
    soak_rt_yard_parked: traffic.parked ?? Number.NaN,
    soak_rt_yard_left: traffic.leftYard ?? Number.NaN,
    soak_rt_yard_positives: traffic.positives ?? Number.NaN,
    soak_rt_yard_pcr_results: traffic.pcrResults ?? Number.NaN,
    soak_rt_bays_used: bays.used ?? Number.NaN,
    soak_rt_bays_turned_over_twice: bays.turnedOverTwice ?? Number.NaN,
    soak_rt_bay_parks_max: bays.maxParks ?? Number.NaN,
  };
  for (const [k, v] of Object.entries(figures)) if (!Number.isFinite(v)) delete figures[k];
  return { slopes, figures };
}
