import { describe, expect, it } from 'vitest';
import { histogramQuantile, parsePrometheus } from '../../bench/support/prom.ts';

const NAME = 'gatepost_lane_input_to_command_seconds';

function histogram(lane: string, counts: [string, number][]): string {
  return counts.map(([le, n]) => `${NAME}_bucket{le="${le}",lane="${lane}"} ${n}`).join('\n');
}

describe('histogramQuantile (bench/support/prom.ts)', () => {
  it('adds the label sets up and gives the upper bound of the bucket holding the quantile', () => {
    const m = parsePrometheus(
      [
        histogram('east-1', [
          ['0.001', 50],
          ['0.005', 98],
          ['0.01', 99],
          ['+Inf', 100],
        ]),
        histogram('east-2', [
          ['0.001', 0],
          ['0.005', 90],
          ['0.01', 100],
          ['+Inf', 100],
        ]),
      ].join('\n'),
    );
    expect(histogramQuantile(m, undefined, NAME, 0.5)).toBe(0.005); // 50 of 200 at 1 ms, 188 at 5 ms
    expect(histogramQuantile(m, undefined, NAME, 0.9)).toBe(0.005);
    expect(histogramQuantile(m, undefined, NAME, 0.99)).toBe(0.01);
    expect(histogramQuantile(m, undefined, NAME, 1)).toBe(Number.POSITIVE_INFINITY);
    // Only the label sets that include `match`: east-1 alone has half its observations at 1 ms.
    expect(histogramQuantile(m, undefined, NAME, 0.5, { lane: 'east-1' })).toBe(0.001);
    expect(histogramQuantile(m, undefined, NAME, 0.5, { lane: 'east-2' })).toBe(0.005);
    expect(histogramQuantile(m, undefined, NAME, 0.5, { lane: 'west-1' })).toBeUndefined();
  });

  it('counts only what came between two scrapes, and has no answer for an empty histogram', () => {
    const before = parsePrometheus(
      histogram('east-1', [
        ['0.001', 10],
        ['0.005', 10],
        ['+Inf', 10],
      ]),
    );
    const after = parsePrometheus(
      histogram('east-1', [
        ['0.001', 10],
        ['0.005', 20],
        ['+Inf', 20],
      ]),
    );
    // The ten observations since `before` all fell between 1 and 5 ms.
    expect(histogramQuantile(after, before, NAME, 0.5)).toBe(0.005);
    expect(histogramQuantile(after, undefined, NAME, 0.5)).toBe(0.001);
    expect(histogramQuantile(before, before, NAME, 0.5)).toBeUndefined();
  });
});
