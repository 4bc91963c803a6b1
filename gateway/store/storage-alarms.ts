import type { Logger } from '../../core/logger.ts';
import type {
  StorageAlarmData,
  StorageLevel,
  StorageShedData,
  StorageStatus,
} from '../mqtt/gateway-payloads.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { PendingRecords } from './pending-records.ts';
import type { ShedRange } from './reclaimer.ts';

/** Where retained status goes (the gateway's local broker client). */
export interface StatusPublisher {
  publish(topic: string, payload: unknown, retain?: boolean): Promise<void>;
}

/**
 * What the storage guard tells (storage-guard.ts): each level passed as a log line and a
 * `storage-alarm` record, each shed range of undelivered telemetry as a `storage-shed` record,
 * and the status retained on `gatepost/<site>/gateway/storage` (the kiosk banner). Records go
 * through the guard's pending writer: stored, then published, retried while the store refuses.
 */
export class StorageAlarms {
  constructor(
    private readonly o: { site: string; log: Logger; records: PendingRecords; status?: StatusPublisher },
  ) {}

  alarm(level: StorageLevel, previous: StorageLevel, status: StorageStatus, diskFull: boolean): void {
    // (not `level`: that key is pino's own)
    const fields = { alarm: level, previous, ratio: round(status.ratio), usedBytes: status.usedBytes };
    if (level === 'ok') this.o.log.info(fields, 'storage back to normal');
    else if (level === 'warning') this.o.log.warn(fields, 'storage alarm: warning');
    else this.o.log.error(fields, `storage alarm: ${level}`);
    const data: StorageAlarmData = {
      level,
      previous,
      ratio: round(status.ratio),
      usedBytes: status.usedBytes,
      limitBytes: status.limitBytes,
      reason: diskFull ? 'disk-full' : 'measured',
    };
    this.o.records.write('storage-alarm', data);
  }

  /** Records each shed range; returns how many records they held. */
  shed(ranges: readonly ShedRange[]): number {
    let count = 0;
    for (const r of ranges) {
      count += r.count;
      this.o.log.error({ ...r }, 'disk critical: undelivered telemetry shed');
      const data: StorageShedData = { ...r, reason: 'disk-critical' };
      this.o.records.write('storage-shed', data);
    }
    return count;
  }

  publish(status: StorageStatus): void {
    this.o.status
      ?.publish(topicFor('gatewayStorage', { site: this.o.site }), status, true)
      .catch((err: unknown) => this.o.log.debug({ err }, 'storage status not published'));
  }
}

/** A ratio to four places, as the alarms carry it. */
function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
