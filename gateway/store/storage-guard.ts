import type { Database } from 'better-sqlite3';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../config/schema.ts';
import type { StorageAlarmData, StorageLevel, StorageShedData, StorageStatus } from '../mqtt/payloads.ts';
import { topicFor } from '../mqtt/topics.ts';
import { measureDisk } from './disk-usage.ts';
import type { Reclaimer, ShedRange } from './reclaimer.ts';
import type { RecordStore } from './record-store.ts';

/** Where retained status goes (the gateway's local broker client). */
export interface StatusPublisher {
  publish(topic: string, payload: unknown, retain?: boolean): Promise<void>;
}

type StorageConfig = SiteConfig['storage'];

export interface StorageGuardOptions {
  db: Database;
  store: RecordStore;
  reclaimer: Reclaimer;
  config: StorageConfig;
  site: string;
  now: () => number;
  log: Logger;
  status?: StatusPublisher;
  registry?: Registry;
}

const LEVELS: readonly StorageLevel[] = ['ok', 'warning', 'critical', 'full'];
/** A level is left only this far below its threshold, so that it does not flap. */
const HYSTERESIS = 0.02;
/** Rows deleted per step before measuring again, and at most per check. */
const CHUNK = 2000;
const ROWS_PER_CHECK = 20000;
/** Pages handed back to the file system per check (32 MB of 4 KB pages). */
const VACUUM_PAGES_PER_CHECK = 8192;
/** Room kept free on the file system for everything else on the box. */
const DISK_RESERVE_BYTES = 64 * 1024 * 1024;

/**
 * Keeps the store within `storage.maxBytes` (or the file system's room, if less) and raises the
 * alarms. The policy, in the order things give way (docs/storage.md):
 *
 * 1. At the warning level (80 %): delivered records, bulky telemetry first and then the rest,
 *    oldest first, until usage is back under `reclaimTargetRatio` (70 %). They are at the
 *    central office already; the ledger keeps the local trace of every truck.
 * 2. At the critical level (95 %): undelivered bulky telemetry, oldest first, until usage is
 *    back under the middle of warning and critical; each gap is explained by a `storage-shed`
 *    record on the gateway stream.
 * 3. At the limit: new telemetry is refused (StoreFull). Transit, decision, test and audit
 *    records are never deleted before delivery and never refused: the limit is set below the
 *    disk's real size, and losing them is worse than using that margin.
 *
 * Every level change is logged, written as a `storage-alarm` record and published retained on
 * `gatepost/<site>/gateway/storage` (for the kiosk banner).
 */
export class StorageGuard {
  private level: StorageLevel = 'ok';
  private last: StorageStatus | undefined;
  private reclaimedTotal = 0;
  private shedTotal = 0;
  private bytesSinceCheck = 0;
  private checking = false;
  private timer: NodeJS.Timeout | undefined;
  private earlyCheck: NodeJS.Immediate | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: StorageGuardOptions) {
    this.unsubscribe = o.store.onCommit((b) => {
      this.bytesSinceCheck += b.dataBytes;
      // A burst may not wait for the next timer: check again after ~0.5 % of the limit.
      if (this.bytesSinceCheck > o.config.maxBytes * 0.005 && !this.earlyCheck && !this.checking) {
        this.earlyCheck = setImmediate(() => {
          this.earlyCheck = undefined;
          this.check();
        });
      }
    });
    if (o.registry) this.registerMetrics(o.registry);
  }

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), this.o.config.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.earlyCheck) clearImmediate(this.earlyCheck);
    this.timer = undefined;
    this.earlyCheck = undefined;
    this.unsubscribe();
  }

  /**
   * Measures, applies the policy, updates the level; returns the status after all that. Work is
   * bounded per call (the event loop also drives the barriers): when more is left to free, a
   * follow-up check runs shortly after.
   */
  check(): StorageStatus {
    if (this.checking && this.last) return this.last;
    this.checking = true;
    try {
      this.bytesSinceCheck = 0;
      const { config } = this.o;
      const [warn, critical] = config.alarmRatios;
      let budget = ROWS_PER_CHECK;
      // The alarm goes up on what was found, before the policy frees anything: reaching the
      // critical level is recorded even when shedding brings usage straight back down.
      const found = this.status();
      this.setLevel(this.levelFor(found.ratio), found);
      let ratio = found.ratio;
      let freed = false;
      if (ratio >= warn) {
        for (const sheddableOnly of [true, false]) {
          while (ratio > config.reclaimTargetRatio && budget > 0) {
            const n = this.o.reclaimer.reclaimDelivered({ limit: Math.min(CHUNK, budget), sheddableOnly });
            if (n === 0) break;
            budget -= n;
            this.reclaimedTotal += n;
            freed = true;
            ratio = this.ratio();
          }
        }
      }
      if (ratio >= critical) {
        const target = (warn + critical) / 2;
        while (ratio > target && budget > 0) {
          const ranges = this.o.reclaimer.shedUndelivered(Math.min(CHUNK, budget));
          if (ranges.length === 0) break;
          budget -= ranges.reduce((n, r) => n + r.count, 0);
          this.recordShed(ranges);
          freed = true;
          ratio = this.ratio();
        }
      }
      let more = budget <= 0;
      if (freed || this.o.reclaimer.freePages() > 0)
        more = this.o.reclaimer.vacuum(VACUUM_PAGES_PER_CHECK) || more;
      if (freed || more) {
        const after = this.status();
        this.setLevel(this.levelFor(after.ratio), after);
      }
      if (more && this.timer && !this.earlyCheck) {
        this.earlyCheck = setImmediate(() => {
          this.earlyCheck = undefined;
          this.check();
        });
      }
      return this.current();
    } finally {
      this.checking = false;
    }
  }

  /** The last measurement (measures now if there was none). */
  current(): StorageStatus {
    return this.last ?? this.status();
  }

  private ratio(): number {
    const u = measureDisk(this.o.db, this.o.config.path);
    return u.usedBytes / this.limitFor(u.usedBytes, u.diskAvailableBytes);
  }

  private limitFor(used: number, available: number | undefined): number {
    if (available === undefined) return this.o.config.maxBytes;
    return Math.max(1, Math.min(this.o.config.maxBytes, used + Math.max(0, available - DISK_RESERVE_BYTES)));
  }

  private status(): StorageStatus {
    const u = measureDisk(this.o.db, this.o.config.path);
    const limitBytes = this.limitFor(u.usedBytes, u.diskAvailableBytes);
    this.last = {
      level: this.level,
      ratio: u.usedBytes / limitBytes,
      usedBytes: u.usedBytes,
      limitBytes,
      fileBytes: u.fileBytes,
      walBytes: u.walBytes,
      diskAvailableBytes: u.diskAvailableBytes ?? null,
      refusingTelemetry: this.level === 'full',
      reclaimedTotal: this.reclaimedTotal,
      shedTotal: this.shedTotal,
      at: this.o.now(),
    };
    return this.last;
  }

  private levelFor(ratio: number): StorageLevel {
    const [warn, critical] = this.o.config.alarmRatios;
    const thresholds = [0, warn, critical, 1];
    const target = thresholds.findLastIndex((t) => ratio >= t);
    const current = LEVELS.indexOf(this.level);
    if (target >= current) return LEVELS[target] ?? 'ok';
    // Going down: leave a level only once clearly below its threshold.
    let idx = current;
    while (idx > target && ratio < (thresholds[idx] ?? 0) - HYSTERESIS) idx--;
    return LEVELS[idx] ?? 'ok';
  }

  private setLevel(level: StorageLevel, s: StorageStatus): void {
    const previous = this.level;
    this.level = level;
    this.o.store.setSheddableRefused(level === 'full');
    const status = { ...s, level, refusingTelemetry: level === 'full' };
    this.last = status;
    if (level === previous) {
      this.publish(status);
      return;
    }
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
    };
    this.o.store
      .append('gateway', 'storage-alarm', data)
      .catch((err: unknown) => this.o.log.error({ err }, 'cannot record the storage alarm'));
    this.publish(status);
  }

  private recordShed(ranges: readonly ShedRange[]): void {
    for (const r of ranges) {
      this.shedTotal += r.count;
      this.o.log.error({ ...r }, 'disk critical: undelivered telemetry shed');
      const data: StorageShedData = { ...r, reason: 'disk-critical' };
      this.o.store
        .append('gateway', 'storage-shed', data)
        .catch((err: unknown) => this.o.log.error({ err }, 'cannot record the shed telemetry'));
    }
  }

  private publish(status: StorageStatus): void {
    this.o.status
      ?.publish(topicFor('gatewayStorage', { site: this.o.site }), status, true)
      .catch((err: unknown) => this.o.log.debug({ err }, 'storage status not published'));
  }

  private registerMetrics(registry: Registry): void {
    const cur = () => this.current();
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(value());
        },
      });
    gauge('gatepost_storage_used_bytes', 'Record store: pages in use plus WAL', () => cur().usedBytes);
    gauge('gatepost_storage_limit_bytes', 'Record store size limit', () => cur().limitBytes);
    gauge('gatepost_storage_usage_ratio', 'Used / limit', () => cur().ratio);
    gauge('gatepost_storage_alarm_level', '0 ok, 1 warning, 2 critical, 3 full', () =>
      LEVELS.indexOf(cur().level),
    );
    gauge(
      'gatepost_storage_reclaimed_records',
      'Delivered records reclaimed since start',
      () => this.reclaimedTotal,
    );
    gauge('gatepost_storage_shed_records', 'Undelivered telemetry shed since start', () => this.shedTotal);
  }
}

function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
