import { describe, expect, it } from 'vitest';
import { realtimeCountsChart, realtimeMemoryChart } from '../../bench/soak/realtime-chart.ts';
import type { RealtimeSample } from '../../bench/soak/realtime-sample.ts';

const sample = (minute: number, storeMb: number): RealtimeSample =>
  ({
    t: minute * 60,
    rssMb: 90,
    heapUsedMb: 30,
    externalMb: 4,
    storeMb,
    walMb: 1,
    fds: 53,
    handles: 30,
    timers: 12,
    loopLagP99Ms: 1,
  }) as RealtimeSample;

describe('the real-time soak’s charts', () => {
  const samples = [sample(0, 1), sample(30, 5), sample(60, 9), sample(90, 9)];
  const outages = [{ fromMin: 20, toMin: 23 }];

  it('draw every series over the hours, the outages shaded and the RSS target', () => {
    const svg = realtimeMemoryChart(samples, outages);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path d="M/g)).toHaveLength(4);
    for (const name of [
      'RSS',
      'heap after GC',
      'external',
      'store + WAL',
      'uplink down',
      'RSS target 100 MB',
    ])
      expect(svg).toContain(name);
    // Four legends of 230 px side by side need the wider chart.
    expect(svg).toContain('width="1000"');
  });

  it('the counts chart carries fds, handles, timers and lag', () => {
    const svg = realtimeCountsChart(samples, outages);
    expect(svg.match(/<path d="M/g)).toHaveLength(4);
    for (const name of ['open fds', 'active handles', 'timers', 'lag p99, ms']) expect(svg).toContain(name);
  });
});
