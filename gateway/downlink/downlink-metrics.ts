import { Counter, Gauge, type Registry } from 'prom-client';
import type { DownlinkStatus } from './downlink-topics.ts';
import { DOWNLINK_KINDS } from './envelope.ts';

/** Prometheus metrics of the downlink; the version gauges read the status when scraped. */
export class DownlinkMetrics {
  readonly envelopes: Counter<'kind' | 'status' | 'reason'>;

  constructor(registry: Registry, status: () => DownlinkStatus) {
    new Gauge({
      name: 'gatepost_downlink_version',
      help: 'Version applied last of each downlink kind (0: none yet)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const s = status();
        for (const k of DOWNLINK_KINDS) this.set({ kind: k }, s.kinds[k]?.version ?? 0);
      },
    });
    new Gauge({
      name: 'gatepost_downlink_age_seconds',
      help: 'Time since the version applied last of each kind was issued (-1: none yet)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const s = status();
        for (const k of DOWNLINK_KINDS) {
          const v = s.kinds[k];
          this.set({ kind: k }, v ? Math.max(0, (s.at - v.issuedAt) / 1000) : -1);
        }
      },
    });
    this.envelopes = new Counter({
      name: 'gatepost_downlink_envelopes_total',
      help: 'Downlink envelopes answered, by kind (unknown when unreadable), status and refusal reason',
      labelNames: ['kind', 'status', 'reason'],
      registers: [registry],
    });
  }
}
