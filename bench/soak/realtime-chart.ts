import { lineChart } from '../report/svg.ts';
import type { Outage } from './outage-schedule.ts';
import type { RealtimeSample } from './realtime-sample.ts';

const hoursOf = (s: RealtimeSample) => Math.round((s.t / 3600) * 1000) / 1000;

function outageBands(outages: readonly Outage[]) {
  return outages.map((o) => ({ from: o.fromMin / 60, to: o.toMin / 60, label: 'uplink down' }));
}

/** docs/charts/soak-realtime.svg: the gateway's memory and its store over the hours of the soak. */
export function realtimeMemoryChart(samples: readonly RealtimeSample[], outages: readonly Outage[]): string {
  const points = (y: (s: RealtimeSample) => number) => samples.map((s) => [hoursOf(s), y(s)] as const);
  return lineChart({
    title: 'Real-time soak: gateway memory and store',
    xLabel: 'hours',
    yLabel: 'MB',
    yMin: 0,
    // Four series side by side in the legend (230 px each).
    width: 1000,
    bands: outageBands(outages),
    hLines: [{ at: 100, label: 'RSS target 100 MB' }],
    series: [
      { name: 'RSS', color: '#2ca02c', points: points((s) => s.rssMb) },
      { name: 'heap after GC', color: '#1f77b4', points: points((s) => s.heapUsedMb) },
      { name: 'external', color: '#9467bd', points: points((s) => s.externalMb) },
      { name: 'store + WAL', color: '#8c564b', points: points((s) => s.storeMb + s.walMb) },
    ],
  });
}

/** docs/charts/soak-realtime-counts.svg: fds, handles, timers and event-loop lag over the hours. */
export function realtimeCountsChart(samples: readonly RealtimeSample[], outages: readonly Outage[]): string {
  const points = (y: (s: RealtimeSample) => number) => samples.map((s) => [hoursOf(s), y(s)] as const);
  return lineChart({
    title: 'Real-time soak: descriptors, handles and event-loop lag',
    xLabel: 'hours',
    yLabel: 'count / ms (lag p99)',
    yMin: 0,
    // Four series side by side in the legend (230 px each).
    width: 1000,
    bands: outageBands(outages),
    series: [
      { name: 'open fds', color: '#ff7f0e', points: points((s) => s.fds) },
      { name: 'active handles', color: '#17becf', points: points((s) => s.handles) },
      { name: 'timers', color: '#bcbd22', points: points((s) => s.timers) },
      { name: 'lag p99, ms', color: '#d62728', points: points((s) => s.loopLagP99Ms) },
    ],
  });
}
