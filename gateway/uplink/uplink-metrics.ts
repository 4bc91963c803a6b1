import { Counter, Gauge, type Registry } from 'prom-client';
import type { UplinkStatus } from '../mqtt/gateway-payloads.ts';

/** Prometheus metrics of the uplink; gauges read the status when scraped. */
export class UplinkMetrics {
  readonly delivered: Counter;
  readonly reconnects: Counter;
  readonly refusedPackets: Counter;

  constructor(registry: Registry, status: () => UplinkStatus) {
    const gauge = (name: string, help: string, value: (s: UplinkStatus) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(value(status()));
        },
      });
    gauge('gatepost_uplink_connected', '1 while connected to the central broker', (s) =>
      s.connected ? 1 : 0,
    );
    gauge(
      'gatepost_uplink_backlog_records',
      'Stored records not yet acknowledged centrally',
      (s) => s.backlog.count,
    );
    gauge('gatepost_uplink_backlog_age_seconds', 'Age of the oldest unacknowledged record', (s) =>
      s.backlog.ageMs === null ? 0 : s.backlog.ageMs / 1000,
    );
    gauge(
      'gatepost_uplink_drain_rate',
      'Records acknowledged per second, last interval',
      (s) => s.drainRatePerSecond,
    );
    gauge('gatepost_uplink_in_flight', 'PUBLISHes awaiting their PUBACK', (s) => s.inFlight);
    this.delivered = new Counter({
      name: 'gatepost_uplink_delivered_records_total',
      help: 'Records acknowledged by the central broker',
      registers: [registry],
    });
    this.reconnects = new Counter({
      name: 'gatepost_uplink_reconnects_total',
      help: 'Connection attempts after the first',
      registers: [registry],
    });
    this.refusedPackets = new Counter({
      name: 'gatepost_uplink_refused_packets_total',
      help: 'Connections dropped for a packet from the central broker over the size budget or of malformed length',
      registers: [registry],
    });
  }
}
