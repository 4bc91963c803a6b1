import { Histogram, type Registry } from 'prom-client';
import { INPUT_STAGES, type InputStageTimes } from '../lanes/input-stages.ts';

/**
 * Bucket bounds in seconds: the lanes' target is 10 ms from the last input to the command. The
 * tail has bounds every 5-10 ms up to 50 ms: the benchmark reads its inside-the-gateway p99 as a
 * bucket's upper bound, and under load it fell between 20 and 50 ms.
 */
const BUCKETS = [
  0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.1,
  0.25, 1,
];

/** The stages' bounds: finer at the bottom, where most stages of a quiet lane fall. */
const STAGE_BUCKETS = [
  0.0001, 0.0002, 0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05,
  0.1, 0.25, 1,
];

/**
 * `gatepost_lane_input_to_command_seconds{lane}`: inside the gateway, from the moment the input
 * that completed a decision reached the lane (the scanner driver's code, the thermometer's
 * measurement) to the moment the barrier command that the decision opened was issued to the
 * driver; so the decision, its verification and its commit (fsync) included, the wires not. The
 * benchmark measures the same from outside, wires included (docs/benchmarks.md, rush hour).
 * `gatepost_lane_input_stage_seconds{lane,stage}`: the same time by stage (queue, verify, decide,
 * commit, command: gateway/lanes/input-stages.ts), one observation per open of each stage its
 * input passed (`verify`: scans only).
 */
export class LaneLatencyMetrics {
  private readonly histogram: Histogram<'lane'>;
  private readonly stages: Histogram<'lane' | 'stage'>;

  constructor(registry: Registry) {
    this.histogram = new Histogram({
      name: 'gatepost_lane_input_to_command_seconds',
      help: 'From the input that completed a decision reaching the lane to the barrier command it opened',
      labelNames: ['lane'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.stages = new Histogram({
      name: 'gatepost_lane_input_stage_seconds',
      help: 'The input-to-command latency by stage: queue, verify, decide, commit (fsync), command',
      labelNames: ['lane', 'stage'],
      buckets: STAGE_BUCKETS,
      registers: [registry],
    });
  }

  readonly observe = (lane: string, seconds: number, stages?: InputStageTimes): void => {
    this.histogram.observe({ lane }, seconds);
    if (!stages) return;
    for (const stage of INPUT_STAGES) {
      const ms = stages[stage];
      if (ms !== undefined) this.stages.observe({ lane, stage }, ms / 1000);
    }
  };
}
