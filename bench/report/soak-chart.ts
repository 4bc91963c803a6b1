import type { SoakSample } from '../soak-result.ts';
import { lineChart } from './svg.ts';

/** docs/charts/soak.svg: RSS, heap and event-loop lag p99 over the simulated days of the soak. */
export function soakChart(samples: readonly SoakSample[], days: number): string {
  return lineChart({
    title: `Soak: memory and event-loop lag over ${days} simulated days`,
    xLabel: 'simulated days',
    yLabel: 'MB (RSS, heap) / ms (lag p99)',
    yMin: 0,
    series: [
      { name: 'RSS, MB', color: '#2ca02c', points: samples.map((s) => [s.day, s.rssMb]) },
      { name: 'heap used, MB', color: '#1f77b4', points: samples.map((s) => [s.day, s.heapMb]) },
      {
        name: 'event-loop lag p99, ms',
        color: '#d62728',
        points: samples.map((s) => [s.day, s.loopLagP99Ms]),
      },
    ],
  });
}
