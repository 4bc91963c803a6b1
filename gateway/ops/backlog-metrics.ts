import { Gauge, type Registry } from 'prom-client';
import type { Outbox } from '../store/outbox.ts';

/**
 * The backlog series of the uplink (same names as gateway/uplink/uplink-metrics.ts) for a
 * gateway whose uplink is disabled: every record is then pending, and the figures say how much
 * the central office will have to take once it is turned on. Register only one of the two.
 */
export function registerBacklogMetrics(registry: Registry, outbox: Outbox, now: () => number): void {
  const backlog = () => {
    let count = 0;
    let oldest: number | undefined;
    for (const s of outbox.streams()) {
      if (s.lastSeq <= s.deliveredSeq) continue;
      count += s.lastSeq - s.deliveredSeq;
      const at = outbox.oldestAfter(s.stream, s.deliveredSeq);
      if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
    }
    return { count, ageMs: oldest === undefined ? 0 : Math.max(0, now() - oldest) };
  };
  const registers = [registry];
  new Gauge({
    name: 'gatepost_uplink_connected',
    help: '1 while connected to the central broker (the uplink is disabled: 0)',
    registers,
    collect() {
      this.set(0);
    },
  });
  new Gauge({
    name: 'gatepost_uplink_backlog_records',
    help: 'Stored records not yet acknowledged centrally (sequence span; records shed at the disk limit included)',
    registers,
    collect() {
      this.set(backlog().count);
    },
  });
  new Gauge({
    name: 'gatepost_uplink_backlog_age_seconds',
    help: 'Age of the oldest unacknowledged record',
    registers,
    collect() {
      this.set(backlog().ageMs / 1000);
    },
  });
  new Gauge({
    name: 'gatepost_uplink_drain_rate',
    help: 'Records acknowledged per second, last interval (the uplink is disabled: 0)',
    registers,
    collect() {
      this.set(0);
    },
  });
}
