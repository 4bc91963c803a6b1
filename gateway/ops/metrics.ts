import { Registry } from 'prom-client';
import { BrokerMetrics } from './broker-metrics.ts';
import { DeviceMetrics } from './device-metrics.ts';
import type { EventLoopMonitor } from './event-loop.ts';
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
 * device errors, scans), device health and the bay buses, the embedded broker, and the process.
 * The storage guard (store size, alarm level) and the uplink (backlog count and age, drain
 * rate) register their own series on `registry`; backlog-metrics.ts stands in for the uplink's
 * when it is disabled. docs/operations.md lists every series.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly records: RecordMetrics;
  readonly devices: DeviceMetrics;
  readonly broker: BrokerMetrics;

  constructor(o: GatewayMetricsOptions) {
    this.records = new RecordMetrics(this.registry);
    this.devices = new DeviceMetrics(this.registry);
    this.broker = new BrokerMetrics(this.registry);
    registerProcessMetrics({ registry: this.registry, ...o });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
