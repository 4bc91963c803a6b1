import type { RushHourSeries } from '../rush-hour-bench.ts';
import { SCAN_WIRE_MS } from '../rush-hour-bench.ts';
import { cdf, lineChart } from './svg.ts';

/** docs/charts/latency.svg: the scan-to-barrier latency distribution of both phases. */
export function latencyChart(s: RushHourSeries): string {
  return lineChart({
    title: 'Scan to barrier command: cumulative distribution',
    xLabel: 'latency, ms (log scale): last scan byte on the wire → open command at the barrier',
    yLabel: 'fraction of decisions',
    xLog: true,
    yMin: 0,
    yMax: 1,
    series: [
      { name: `rush hour (${s.latencyA.length})`, color: '#1f77b4', points: cdf(s.latencyA) },
      { name: `+ 50 subscribers + flood (${s.latencyB.length})`, color: '#ff7f0e', points: cdf(s.latencyB) },
    ],
    vLines: [
      { at: 10, label: 'p99 target 10 ms' },
      { at: SCAN_WIRE_MS, label: 'code wire time 312.5 ms', color: '#666' },
    ],
    hLines: [{ at: 0.99, label: 'p99', color: '#999' }],
  });
}

/** docs/charts/memory.svg: the gateway's RSS over the rush-hour run. */
export function memoryChart(s: RushHourSeries): string {
  const end = s.rss.at(-1)?.[0] ?? s.phaseBAt;
  return lineChart({
    title: 'Gateway RSS under rush-hour load',
    xLabel: 'seconds from the end of the warm-up',
    yLabel: 'RSS, MB',
    yMin: 0,
    series: [{ name: 'gateway process RSS', color: '#2ca02c', points: s.rss }],
    bands: [{ from: s.phaseBAt, to: end, label: '+ 50 subscribers + flood' }],
    hLines: [{ at: 150, label: 'target 150 MB' }],
  });
}
