import { Registry } from 'prom-client';
import { DeviceMetrics } from './device-metrics.ts';
import type { EventLoopMonitor } from './event-loop.ts';
import { LaneLatencyMetrics } from './lane-latency-metrics.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { RecordMetrics } from './record-metrics.ts';

export interface GatewayMetricsOptions {
  site: string;
  version: string;
  loop: EventLoopMonitor;
  ready: () => boolean;
  clockState: () => string | undefined;
}

/**
 * The gateway's Prometheus registry (served at `/metrics` by http.ts) and its collectors, one
 * file each: records committed (decisions by outcome, barrier operations and faults, alarms,
 * device errors, scans), device health and the bay buses, the lanes' input-to-command latency
 * (lane-latency-metrics.ts), and the process; the embedded
 * broker's series come from its counts (broker/broker-series.ts; the broker's thread sends numbers)
 * through `addSource`.
 * The storage guard (store size, alarm level) and the uplink (backlog count and age, drain
 * rate) register their own series on `registry`; backlog-metrics.ts stands in for the uplink's
 * when it is disabled. docs/operations.md lists every series.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly records: RecordMetrics;
  readonly devices: DeviceMetrics;
  readonly laneLatency: LaneLatencyMetrics;
  /** Series kept elsewhere (the broker's, on its thread), appended to this registry's text. */
  private readonly sources: (() => Promise<string>)[] = [];

  constructor(o: GatewayMetricsOptions) {
    this.records = new RecordMetrics(this.registry);
    this.devices = new DeviceMetrics(this.registry);
    this.laneLatency = new LaneLatencyMetrics(this.registry);
    registerProcessMetrics({ registry: this.registry, ...o });
  }

  /** Adds series from another registry (their names must not clash with this one's). */
  addSource(text: () => Promise<string>): void {
    this.sources.push(text);
  }

  /** The exposition text (Prometheus text format 0.0.4); a source that fails is left out. */
  async text(): Promise<string> {
    const parts = await Promise.all([
      this.registry.metrics(),
      ...this.sources.map((s) => s().catch(() => '')),
    ]);
    return parts.map((p) => (p === '' || p.endsWith('\n') ? p : `${p}\n`)).join('');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
