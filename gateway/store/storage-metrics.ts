import { Gauge, type Registry } from 'prom-client';
import type { StorageStatus } from '../mqtt/gateway-payloads.ts';
import { LEVELS } from './disk-levels.ts';

/** The storage guard's figures as Prometheus gauges, read at each scrape. */
export function registerStorageMetrics(
  registry: Registry,
  source: { status: () => StorageStatus; reclaimed: () => number; shed: () => number },
): void {
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  const cur = source.status;
  gauge(
    'gatepost_storage_used_bytes',
    'Record store: pages in use plus the WAL allowance',
    () => cur().usedBytes,
  );
  gauge('gatepost_storage_limit_bytes', 'Record store size limit', () => cur().limitBytes);
  gauge('gatepost_storage_usage_ratio', 'Used / limit', () => cur().ratio);
  gauge('gatepost_storage_alarm_level', '0 ok, 1 warning, 2 critical, 3 full', () =>
    LEVELS.indexOf(cur().level),
  );
  gauge('gatepost_storage_reserve_bytes', 'Reserve file held next to the store', () => cur().reserveBytes);
  gauge('gatepost_storage_refusing_records', '1 while the disk is full and every record is refused', () =>
    cur().refusingRecords ? 1 : 0,
  );
  gauge('gatepost_storage_reclaimed_records', 'Delivered records reclaimed since start', source.reclaimed);
  gauge('gatepost_storage_shed_records', 'Undelivered telemetry shed since start', source.shed);
}
