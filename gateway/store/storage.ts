import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { DiskReserve } from './disk-reserve.ts';
import { HandoverProjection } from './handover-ledger.ts';
import { Ledger } from './ledger.ts';
import { LedgerProjection } from './ledger-projection.ts';
import { Outbox } from './outbox.ts';
import type { RecordWriter } from './pending-records.ts';
import { Pseudonymiser } from './personal-data.ts';
import { Reclaimer } from './reclaimer.ts';
import type { RecordStore } from './record-store.ts';
import { Retention } from './retention.ts';
import type { StatusPublisher } from './storage-alarms.ts';
import { StorageGuard } from './storage-guard.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

export interface StorageOptions {
  db: Database;
  store: RecordStore;
  config: SiteConfig['storage'];
  site: string;
  clock: Clock;
  log: Logger;
  /**
   * Where the storage guard's records go: the RecordSink, which stores and then publishes them
   * on the local broker. Without one (tests of the store alone) they are only stored.
   */
  sink?: RecordWriter;
  /** Where the retained storage status goes (the local broker client). */
  status?: StatusPublisher;
  registry?: Registry;
}

/** The parts of the store beside the record log; the uplink takes `outbox` and `reclaimer`. */
export interface Storage {
  readonly ledger: Ledger;
  readonly ledgerProjection: LedgerProjection;
  readonly outbox: Outbox;
  readonly reclaimer: Reclaimer;
  readonly guard: StorageGuard;
  readonly retention: Retention;
  stop(): void;
}

/**
 * Attaches the ledger to the record store (call before anything is appended) and starts the
 * disk guard, the age retention and the WAL checkpoints.
 */
export function startStorage(o: StorageOptions): Storage {
  const log = o.log.child({ part: 'storage' });
  const ledgerProjection = new LedgerProjection(o.db, log);
  o.store.addProjection(ledgerProjection);
  // The hand-overs of the yard, beside it (handover-ledger.ts).
  o.store.addProjection(new HandoverProjection(o.db, log));
  const reclaimer = new Reclaimer(o.db, log);
  const path = o.config.path;
  const reserve =
    path !== ':memory:' && o.config.reserveBytes > 0
      ? new DiskReserve(path, o.config.reserveBytes)
      : undefined;
  // The guard makes the reserve at its start, in the background (off the event loop); one
  // released and without room to take it back means the disk is full: the guard starts by
  // reclaiming (docs/storage.md, _Full disk_).
  const guard = new StorageGuard({
    db: o.db,
    store: o.store,
    reclaimer,
    config: o.config,
    site: o.site,
    now: () => o.clock.now(),
    log,
    records: o.sink ?? { record: (stream, type, data) => o.store.append(stream, type, data) },
    ...(reserve ? { reserve } : {}),
    ...(o.status ? { status: o.status } : {}),
    ...(o.registry ? { registry: o.registry } : {}),
  });
  const retention = new Retention(o.db, reclaimer, new Pseudonymiser(o.db), o.config, log);
  guard.start();
  const checkpointer = new WalCheckpointer({
    db: o.db,
    store: o.store,
    log,
    intervalMs: o.config.checkpointIntervalMs,
    rows: o.config.checkpointRows,
  });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // A run goes in slices of a few ms (Retention.runSliced): a lane's scan that comes meanwhile
  // waits for one slice, not for the whole run (157-179 ms in one turn for 5-10 minutes of the
  // real-time soak's traffic, on a copy of its store in a fresh process; a run after a long outage
  // has up to 50,000 rows).
  const letOthersGo = () => new Promise<boolean>((resolve) => setImmediate(() => resolve(!stopped)));
  const runRetention = async () => {
    timer = undefined;
    if (stopped) return;
    let more = false;
    try {
      more = (await retention.runSliced(o.clock.now(), letOthersGo)).more;
    } catch (err) {
      log.error({ err }, 'retention run failed');
    }
    if (stopped) return;
    timer = setTimeout(runRetention, more ? 1000 : o.config.maintenanceIntervalMs);
    timer.unref();
  };
  // The first run waits a little: starting up (lanes, broker) comes first.
  timer = setTimeout(runRetention, Math.min(30_000, o.config.maintenanceIntervalMs));
  timer.unref();

  return {
    ledger: new Ledger(o.db),
    ledgerProjection,
    outbox: new Outbox(o.db),
    reclaimer,
    guard,
    retention,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      guard.stop();
      checkpointer.stop();
    },
  };
}
