import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { openDatabase } from '../gateway/store/database.ts';
import { Outbox } from '../gateway/store/outbox.ts';
import { RecordStore } from '../gateway/store/record-store.ts';
import { Uplink } from '../gateway/uplink/uplink.ts';
import { UplinkConfigSchema } from '../site-config/schema.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';

/**
 * Durable ingest and drain of the record store, beside raw better-sqlite3 on the same disk.
 *
 * Conditions (all three figures): `journal_mode=WAL`, `synchronous=FULL` (every commit is
 * fsynced), records of about 300 bytes of JSON data.
 * - ingest_records_per_s: `RecordStore.append` with group commit (2 ms, at most 1,000 rows a
 *   transaction), the producer keeping 2,000 appends outstanding; counted when the last append
 *   has resolved, i.e. is committed.
 * - sqlite_raw_rows_per_s: plain prepared INSERTs of 300-byte rows into a two-column table,
 *   1,000 rows per transaction: the ceiling the store is measured against (TOOLCHAIN.md's
 *   reference row).
 * - drain_records_per_s: a backlog of 50,000 records over 5 streams forwarded by the uplink
 *   (QoS 1, window 1,000, no rate limit) to a local Mosquitto, counted by PUBACKs.
 */
export interface StoreBenchFigures {
  ingest_records_per_s: number;
  sqlite_raw_rows_per_s: number;
  drain_records_per_s: number;
}

export const STORE_BENCH_CONDITIONS =
  'WAL, synchronous=FULL, ~300-byte records; ingest: group commit 2 ms / 1,000 rows, 2,000 outstanding; raw: 1,000 rows/transaction; drain: 50,000 records, QoS 1 to Mosquitto, window 1,000';

const STREAMS = ['lane/east-1', 'lane/east-2', 'lane/west-1', 'lane/west-2', 'yard'] as const;

function payload(i: number) {
  return {
    lane: 'east-1',
    kind: 'GP1',
    code: `GP1:${String(i).padStart(8, '0')}${'x'.repeat(240)}`,
    bytes: 252,
  };
}

async function ingest(dir: string, records: number): Promise<number> {
  const db = openDatabase(join(dir, 'ingest.db'));
  const store = new RecordStore({
    db,
    site: 'bench',
    clock: systemClock,
    log: silentLogger(),
    groupCommitMs: 2,
  });
  const window: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < records; i++) {
    window.push(store.append(STREAMS[i % STREAMS.length] ?? 'yard', 'scan', payload(i)));
    if (window.length >= 2000) await window.shift();
  }
  await Promise.all(window);
  const secs = (performance.now() - t0) / 1000;
  store.close();
  db.close();
  return records / secs;
}

function raw(dir: string, rows: number): number {
  const db = new BetterSqlite3(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (data) VALUES (?)');
  const data = 'x'.repeat(300);
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run(data);
  });
  const t0 = performance.now();
  for (let done = 0; done < rows; done += 1000) batch(1000);
  const secs = (performance.now() - t0) / 1000;
  db.close();
  return rows / secs;
}

async function drain(dir: string, records: number): Promise<number> {
  const db = openDatabase(join(dir, 'drain.db'));
  const log = silentLogger();
  const store = new RecordStore({ db, site: 'bench', clock: systemClock, log, groupCommitMs: 2 });
  const appends: Promise<unknown>[] = [];
  for (let i = 0; i < records; i++)
    appends.push(store.append(STREAMS[i % STREAMS.length] ?? 'yard', 'scan', payload(i)));
  store.flush();
  await Promise.all(appends);
  const broker = await startMosquitto({ persistence: false });
  const uplink = new Uplink({
    config: UplinkConfigSchema.parse({
      enabled: true,
      url: broker.url,
      drainRatePerSecond: 10_000_000,
      maxInFlight: 1000,
    }),
    site: 'bench',
    store,
    outbox: new Outbox(db),
    clock: systemClock,
    log,
  });
  try {
    const t0 = performance.now();
    uplink.start();
    while (uplink.status().deliveredTotal < records) await new Promise((r) => setTimeout(r, 5));
    return records / ((performance.now() - t0) / 1000);
  } finally {
    await uplink.stop();
    await broker.dispose();
    store.close();
    db.close();
  }
}

export async function storeBench(): Promise<StoreBenchFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-bench-'));
  try {
    const ingest_records_per_s = Math.round(await ingest(dir, 100_000));
    const sqlite_raw_rows_per_s = Math.round(raw(dir, 100_000));
    const drain_records_per_s = Math.round(await drain(dir, 50_000));
    return { ingest_records_per_s, sqlite_raw_rows_per_s, drain_records_per_s };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default storeBench;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const figures = await storeBench();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n(${STORE_BENCH_CONDITIONS})\n`);
}
