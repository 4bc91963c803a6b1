import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import type { StorageLevel, StorageStatus } from '../mqtt/gateway-payloads.ts';
import { LEVEL_MARGIN, LEVELS, type LevelChange, nextLevel } from './disk-levels.ts';
import { type DiskReserve, isNoSpace } from './disk-reserve.ts';
import { capDatabaseGrowth, type DiskUsage, measureDisk } from './disk-usage.ts';
import { PendingRecords, type RecordWriter } from './pending-records.ts';
import type { Reclaimer } from './reclaimer.ts';
import type { RecordStore } from './record-store.ts';
import { type StatusPublisher, StorageAlarms } from './storage-alarms.ts';
import { registerStorageMetrics } from './storage-metrics.ts';

type StorageConfig = SiteConfig['storage'];

export interface StorageGuardOptions {
  db: Database;
  store: RecordStore;
  reclaimer: Reclaimer;
  config: StorageConfig;
  site: string;
  now: () => number;
  log: Logger;
  /** Where its `storage-alarm` and `storage-shed` records go: the sink that stores, then publishes. */
  records: RecordWriter;
  /** The slack file released to reclaim on a full disk (none for `:memory:`). */
  reserve?: DiskReserve;
  status?: StatusPublisher;
  registry?: Registry;
}

/** Rows deleted per step before measuring again, and at most per check. */
const CHUNK = 2000;
const ROWS_PER_CHECK = 20000;
/** Pages handed back to the file system per check (32 MB of 4 KB pages). */
const VACUUM_PAGES_PER_CHECK = 8192;
/** How soon a check follows one that found the disk full. */
const FULL_RETRY_MS = 1000;

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
 *    records are never deleted before delivery and never refused while the disk has room.
 * 4. When the disk itself fills (a write fails with SQLITE_FULL/ENOSPC): the reserve file is
 *    released, every new record is refused until it is taken back, and the room goes to
 *    reclaiming (the deletes, the vacuum and the checkpoint all need free space first).
 *
 * Levels have hysteresis (disk-levels.ts) on a measure that does not swing with the WAL
 * (disk-usage.ts). Every level passed is logged and written as a `storage-alarm` record through
 * the sink (stored, then published on the local broker), and the status is published retained
 * on `gatepost/<site>/gateway/storage` (for the kiosk banner).
 *
 * Nothing it does on its timers throws: a failure is logged, and a full disk handled as above.
 */
export class StorageGuard {
  private level: StorageLevel = 'ok';
  private last: StorageStatus | undefined;
  private reclaimedTotal = 0;
  private shedTotal = 0;
  private bytesSinceCheck = 0;
  private checking = false;
  /** A write found the disk full since the last check. */
  private diskFull = false;
  /** The reserve was released and is not back yet: every append is refused meanwhile. */
  private recovering = false;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private earlyCheck: NodeJS.Immediate | undefined;
  private readonly records: PendingRecords;
  private readonly alarms: StorageAlarms;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly o: StorageGuardOptions) {
    this.records = new PendingRecords(o.records, o.log, () => this.recovering);
    this.alarms = new StorageAlarms({ site: o.site, log: o.log, records: this.records, status: o.status });
    this.unsubscribe = [
      o.store.onCommit((b) => {
        this.bytesSinceCheck += b.dataBytes;
        // A burst may not wait for the next timer: check again after ~0.5 % of the limit.
        const limit = Math.min(o.config.maxBytes, this.last?.limitBytes ?? o.config.maxBytes);
        if (this.bytesSinceCheck > limit * 0.005) this.checkSoon(0);
      }),
      o.store.onCommitFailed((err) => {
        if (!isNoSpace(err)) return;
        this.diskFull = true;
        this.checkSoon(0);
      }),
    ];
    if (o.registry)
      registerStorageMetrics(o.registry, {
        status: () => this.current(),
        reclaimed: () => this.reclaimedTotal,
        shed: () => this.shedTotal,
      });
  }

  start(): void {
    const reserve = this.o.reserve;
    if (reserve?.hasRoom()) void this.makeReserve(false);
    else if (reserve?.wasReleased()) {
      // Released before the restart, or by openDatabase to open the store on a full disk.
      this.recovering = true;
      this.o.store.setAllRefused(true);
      this.o.log.error(
        { reserveBytes: reserve.held(), wanted: reserve.bytes },
        'storage: starting on a full disk without the reserve; records are refused until reclaiming makes room for it',
      );
    } else if (reserve) {
      // Never made: a disk with little room from the start. The store runs without it and
      // takes it when there is room; a full disk is still met by max_page_count.
      this.o.log.warn(
        { wanted: reserve.bytes },
        'storage: the disk has no room for the store reserve; running without it',
      );
    }
    this.safeCheck();
    this.timer = setInterval(() => this.safeCheck(), this.o.config.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.o.reserve?.stopMaking(); // what it wrote goes again
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    if (this.earlyCheck) clearImmediate(this.earlyCheck);
    this.timer = this.soon = this.earlyCheck = undefined;
    for (const off of this.unsubscribe) off();
  }

  /**
   * Measures, applies the policy, updates the level; returns the status after all that. Work is
   * bounded per call (the event loop also drives the barriers): when more is left to free, a
   * follow-up check runs shortly after. Never throws for a full disk: it releases the reserve
   * and tries again shortly.
   */
  check(): StorageStatus {
    if (this.checking && this.last) return this.last;
    this.checking = true;
    try {
      return this.runCheck();
    } catch (err) {
      if (isNoSpace(err)) {
        this.diskFull = true;
        this.o.log.error({ err }, 'storage: the disk is full while reclaiming; trying again');
        this.releaseReserve();
        // What was deleted before the write that failed is committed in the WAL: copied back into
        // the file (pages it already has) and the WAL cut, it gives the next try its room. Without
        // this every try failed on the same full WAL, for ever (test/store/full-disk.test.ts).
        this.checkpointTruncate();
        this.checkSoon(FULL_RETRY_MS);
      } else {
        this.o.log.error({ err }, 'storage check failed');
        this.checkSoon(this.o.config.checkIntervalMs);
      }
      return this.last ?? this.status();
    } finally {
      this.checking = false;
    }
  }

  /** A TRUNCATE checkpoint, if the disk lets it run; a failure is left to the next check. */
  private checkpointTruncate(): void {
    try {
      this.o.reclaimer.cutWal();
    } catch (err) {
      this.o.log.warn({ err }, 'storage: checkpoint on a full disk failed; trying again later');
    }
  }

  /** The last measurement (measures now if there was none). */
  current(): StorageStatus {
    return this.last ?? this.status();
  }

  private safeCheck(): void {
    try {
      this.check();
    } catch (err) {
      // Even measuring failed (the database closed under it): logged, never thrown from a timer.
      this.o.log.error({ err }, 'storage check failed');
    }
  }

  private checkSoon(ms: number): void {
    if (!this.timer) return; // not started, or stopped
    if (ms === 0) {
      if (this.earlyCheck || this.checking) return;
      this.earlyCheck = setImmediate(() => {
        this.earlyCheck = undefined;
        this.safeCheck();
      });
      return;
    }
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.safeCheck();
    }, ms);
    this.soon.unref();
  }

  private runCheck(): StorageStatus {
    this.bytesSinceCheck = 0;
    const { config } = this.o;
    const [warn, critical] = config.alarmRatios;
    const foundFull = this.diskFull;
    this.diskFull = false;
    if (foundFull) {
      this.o.log.error('storage: a write found the disk full');
      this.releaseReserve();
    }
    let budget = ROWS_PER_CHECK;
    // The alarm goes up on what was found, before the policy frees anything: reaching the
    // critical level is recorded even when shedding brings usage straight back down.
    const found = this.measure();
    this.changeLevel(found, foundFull || this.recovering);
    // The reserve being taken back has the room: no reclaiming meanwhile (its WAL would fill it).
    if (this.recovering && this.o.reserve?.making()) {
      this.checkSoon(FULL_RETRY_MS);
      return this.current();
    }
    let ratio = found.usedBytes / found.limitBytes;
    let freed = false;
    if (ratio >= warn || this.recovering) {
      const target = this.recovering
        ? Math.min(config.reclaimTargetRatio, ratio - 0.05)
        : config.reclaimTargetRatio;
      for (const sheddableOnly of [true, false]) {
        while (ratio > target && budget > 0) {
          const n = this.o.reclaimer.reclaimDelivered({ limit: Math.min(CHUNK, budget), sheddableOnly });
          if (n === 0) break;
          budget -= n;
          this.reclaimedTotal += n;
          freed = true;
          // On a full disk each chunk's deletes are copied back from the WAL at once: the WAL is
          // the only room they have, and a second chunk on top of the first could fill it.
          if (this.recovering) this.checkpointTruncate();
          ratio = this.ratio();
        }
      }
    }
    if (ratio >= critical || this.recovering) {
      const target = (warn + critical) / 2;
      while ((ratio > target || (this.recovering && !freed)) && budget > 0) {
        const ranges = this.o.reclaimer.shedUndelivered(Math.min(CHUNK, budget));
        if (ranges.length === 0) break;
        const shed = this.alarms.shed(ranges);
        budget -= shed;
        this.shedTotal += shed;
        freed = true;
        ratio = this.ratio();
      }
    }
    let more = budget <= 0;
    if (freed || this.o.reclaimer.freePages() > 0 || this.recovering)
      more = this.o.reclaimer.vacuum(this.vacuumPages(), this.recovering) || more;
    const after = freed || more || this.recovering ? this.measure() : found;
    if (after !== found) this.changeLevel(after, false);
    const reserve = this.o.reserve;
    if (this.recovering && (!reserve || (reserve.missing() === 0 && !reserve.making()))) this.reserveBack();
    else if (reserve && reserve.missing() > 0 && reserve.hasRoom()) void this.makeReserve(!this.recovering);
    void this.records.retry();
    if (more) this.checkSoon(0);
    else if (this.recovering) this.checkSoon(FULL_RETRY_MS);
    return this.current();
  }

  /**
   * Pages per vacuum step (moved pages go to the WAL first): half the reserve on a full disk, else
   * at most half the room beyond the reserve (a whole step would fill a disk just recovered again).
   */
  private vacuumPages(): number {
    if (this.recovering) return Math.max(64, Math.floor((this.o.reserve?.bytes ?? 0) / 2 / 4096));
    const free = this.measure().diskAvailableBytes;
    const room = free === undefined ? Number.POSITIVE_INFINITY : free - (this.o.reserve?.missing() ?? 0);
    return Math.max(64, Math.min(VACUUM_PAGES_PER_CHECK, Math.floor(room / 2 / 4096)));
  }

  private ratio(): number {
    const u = this.measure();
    return u.usedBytes / u.limitBytes;
  }

  private measure(): DiskUsage {
    const u = measureDisk(this.o.db, this.o.config.path, {
      maxBytes: this.o.config.maxBytes,
      reserve: this.o.reserve,
    });
    capDatabaseGrowth(this.o.db, this.o.config.path, u, this.o.reserve);
    return u;
  }

  /** Deletes the reserve file to give its room to reclaiming; refuses new records meanwhile. */
  private releaseReserve(): void {
    this.recovering = true;
    this.o.store.setAllRefused(true);
    const freed = this.o.reserve?.release() ?? 0;
    if (freed > 0)
      this.o.log.error(
        { reserveBytes: freed },
        'disk full: the store reserve was released to reclaim; new records are refused until it is back',
      );
  }

  /** Makes the reserve off the event loop, one making at a time; start-up does not wait for it. */
  private async makeReserve(log: boolean): Promise<void> {
    const reserve = this.o.reserve;
    if (!reserve || reserve.making()) return;
    try {
      if (!(await reserve.ensure()) || !this.timer) return; // released, no room after all, or stopped
      if (this.recovering) this.reserveBack();
      else if (log) this.o.log.info({ reserveBytes: reserve.held() }, 'storage: the store reserve is made');
    } catch (err) {
      this.o.log.error({ err }, 'the store reserve could not be made');
    }
  }

  private reserveBack(): void {
    this.recovering = false;
    this.o.store.setAllRefused(false);
    this.o.log.warn(
      { reserveBytes: this.o.reserve?.held() ?? 0, reclaimedTotal: this.reclaimedTotal },
      'storage: room made on the full disk, the reserve is back; records are accepted again',
    );
    this.changeLevel(this.measure(), false);
    void this.records.retry();
  }

  private status(u: DiskUsage = this.measure()): StorageStatus {
    this.last = {
      level: this.level,
      ratio: u.usedBytes / u.limitBytes,
      usedBytes: u.usedBytes,
      limitBytes: u.limitBytes,
      fileBytes: u.fileBytes,
      walBytes: u.walBytes,
      diskAvailableBytes: u.diskAvailableBytes ?? null,
      reserveBytes: u.reserveBytes,
      refusingTelemetry: this.level === 'full' || this.recovering,
      refusingRecords: this.recovering,
      reclaimedTotal: this.reclaimedTotal,
      shedTotal: this.shedTotal,
      at: this.o.now(),
    };
    return this.last;
  }

  /**
   * Moves the level for a measurement (hysteresis: disk-levels.ts); `diskFull` takes it to full
   * whatever the measure says. Each level passed is its own alarm, so none is skipped.
   */
  private changeLevel(u: DiskUsage, diskFull: boolean): void {
    const [warning, critical] = this.o.config.alarmRatios;
    const ratio = u.usedBytes / u.limitBytes;
    // While the reserve is out (the disk filled), the level stays full whatever the measure.
    const change: LevelChange =
      diskFull || this.recovering
        ? { level: 'full', steps: LEVELS.slice(LEVELS.indexOf(this.level) + 1) }
        : nextLevel(this.level, ratio, { warning, critical, margin: LEVEL_MARGIN });
    const previous = this.level;
    this.level = change.level;
    this.o.store.setSheddableRefused(change.level === 'full');
    const status = this.status(u);
    const downward = LEVELS.indexOf(change.level) < LEVELS.indexOf(previous);
    // Going up, every level passed is raised in turn; going down, one record says where it is.
    const steps = downward ? [change.level] : change.steps;
    let from = previous;
    for (const level of steps) {
      this.alarms.alarm(level, from, status, diskFull);
      from = level;
    }
    this.alarms.publish(status);
  }
}
