import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { MIGRATIONS } from '../../gateway/store/migrations.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function open(path = join(mkdtempSync(join(tmpdir(), 'gatepost-store-')), 'g.db')) {
  const db = openDatabase(path);
  const store = new RecordStore({
    db,
    site: 'demo',
    clock: new ManualClock(),
    log: silentLogger(),
    groupCommitMs: 2,
  });
  closers.push(() => {
    store.close();
    db.close();
  });
  return { db, store, path };
}

/** An in-memory store whose group-commit window is a minute: what commits sooner did not wait for it. */
function slowWindowStore(opts: { maxBatchRows?: number } = {}) {
  const db = openDatabase(':memory:');
  const store = new RecordStore({
    db,
    site: 'demo',
    clock: new ManualClock(),
    log: silentLogger(),
    groupCommitMs: 60_000,
    ...opts,
  });
  closers.push(() => {
    store.close();
    db.close();
  });
  return store;
}

describe('RecordStore', () => {
  it('opens in WAL mode with synchronous=FULL and the latest schema version', () => {
    const { db } = open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
  });

  it('numbers each stream without gaps and commits a burst in few transactions', async () => {
    const { store, db } = open();
    let commits = 0;
    db.function('count_commit', () => ++commits);
    const appended = await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.append(i % 2 ? 'lane/east-1' : 'yard', 'scan', { i })),
    );
    expect(appended.filter((r) => r.stream === 'yard').map((r) => r.seq)).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    expect(store.count()).toBe(300);
    const back = store.readStream('lane/east-1', 1, 1000);
    expect(back.map((r) => (r.data as { i: number }).i)).toEqual(
      Array.from({ length: 150 }, (_, i) => 2 * i + 1),
    );
    expect(back[0]?.id).toBe(appended[1]?.id);
  });

  it('resolves an append only after its row is on disk, and continues numbering after a reopen', async () => {
    const first = open();
    const rec = await first.store.append('gateway', 'started', { v: 1 });
    // Visible to a second connection as soon as append resolved: it is committed.
    const { db: other } = open(first.path);
    expect(other.prepare('SELECT id FROM records WHERE id = ?').get(rec.id)).toEqual({ id: rec.id });
    first.store.close();
    const second = new RecordStore({
      db: other,
      site: 'demo',
      clock: new ManualClock(),
      log: silentLogger(),
      groupCommitMs: 0,
    });
    const next = await second.append('gateway', 'started', { v: 2 });
    expect(next.seq).toBe(2);
  });

  it('fails every caller of a batch whose commit fails, and keeps the stream gapless', async () => {
    const { store, db } = open();
    await store.append('yard', 'a', { ok: true });
    db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON records WHEN NEW.type = 'poison' BEGIN SELECT RAISE(ABORT, 'no'); END",
    );
    const results = await Promise.allSettled([
      store.append('yard', 'b', {}),
      store.append('yard', 'poison', {}),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const after = await store.append('yard', 'c', {});
    expect(after.seq).toBe(2);
    expect(store.readStream('yard').map((r) => r.type)).toEqual(['a', 'c']);
  });

  it('uses incremental auto-vacuum, so reclaimed space can go back to the file system', () => {
    const { db } = open();
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
  });

  it('tells commit listeners of each batch once it is durable', async () => {
    const { store, db } = open();
    const seen: string[][] = [];
    store.onCommit((b) => {
      // Visible in the database by the time the listener hears of it.
      for (const r of b.records)
        expect(db.prepare('SELECT 1 FROM records WHERE id = ?').get(r.id)).toBeDefined();
      seen.push(b.records.map((r) => `${r.stream}#${r.seq}`));
    });
    await Promise.all([
      store.append('yard', 'a', {}),
      store.append('gateway', 'b', {}),
      store.append('yard', 'c', {}),
    ]);
    expect(seen).toEqual([['yard#1', 'gateway#1', 'yard#2']]);
  });

  it('commits at once when maxBatchRows are waiting, without waiting for the timer', async () => {
    const store = slowWindowStore({ maxBatchRows: 10 });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.append('yard', 'a', { i })));
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('commits an urgent record (a decision) without the group-commit wait, with the rows queued before it', async () => {
    const store = slowWindowStore();
    const batches: string[][] = [];
    store.onCommit((b) => batches.push(b.records.map((r) => r.type)));
    const scan = store.append('lane/east-1', 'scan', { code: 'x' });
    const waiting = store.append('lane/east-2', 'measurement', { objectC: 36.6 });
    const decision = store.append('lane/east-1', 'decision', { outcome: 'PASS' });
    const t0 = performance.now();
    await Promise.all([scan, waiting, decision]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(batches).toEqual([['scan', 'measurement', 'decision']]);
    // A record that is not urgent waits for the window (here a minute): still queued.
    let done = false;
    void store.append('lane/east-1', 'transit-end', { end: 'cleared' }).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    expect(batches).toHaveLength(1);
  });
  it('refuses sheddable telemetry while told to (store full), never essential records', async () => {
    const { store } = open();
    store.setSheddableRefused(true);
    await expect(store.append('lane/east-1', 'reading', { c: 36.6 })).rejects.toSatisfy((e) =>
      isGatepostError(e, ErrorCode.StoreFull),
    );
    await expect(store.append('lane/east-1', 'decision', {})).resolves.toMatchObject({ seq: 1 });
    store.setSheddableRefused(false);
    await expect(store.append('lane/east-1', 'reading', { c: 36.6 })).resolves.toMatchObject({ seq: 2 });
  });

  it('keeps counting a stream after its delivered records were reclaimed, across a restart', async () => {
    const first = open();
    await Promise.all([1, 2, 3].map(() => first.store.append('yard', 'a', {})));
    first.db.exec("DELETE FROM records WHERE stream = 'yard'");
    first.store.close();
    const second = open(first.path);
    expect((await second.store.append('yard', 'a', {})).seq).toBe(4);
  });
});
