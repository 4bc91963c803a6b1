import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { WalSync, type WalSyncer } from '../../gateway/store/wal-sync.ts';

/** The store's real WAL sync, each sync held until the test lets it go (or fails it). */
class HeldSync implements WalSyncer {
  readonly started: { release: () => void; fail: (e: Error) => void }[] = [];
  nowCalls = 0;
  constructor(private readonly real: WalSync) {}
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.started.push({
        release: () => this.real.sync().then(resolve, reject),
        fail: reject,
      });
    });
  }
  syncNow(): void {
    this.nowCalls++;
    this.real.syncNow();
  }
  close(): void {
    this.real.close();
  }
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function open() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'gatepost-sync-')), 'g.db'));
  const real = WalSync.open(db);
  if (!real) throw new Error('a file store in WAL mode has a WAL to sync');
  const held = new HeldSync(real);
  const store = new RecordStore({
    db,
    site: 'demo',
    clock: new ManualClock(),
    log: silentLogger(),
    groupCommitMs: 2,
    walSync: held,
  });
  closers.push(() => {
    store.close();
    db.close();
  });
  const rows = () => (db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
  return { db, store, held, rows };
}

const tick = () => new Promise((r) => setImmediate(r));
/** Lets the loop turn (the real syncs run on libuv's pool) until `cond` holds, for at most 2 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
}

function settled<T>(p: Promise<T>): () => 'pending' | 'resolved' | 'rejected' {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  return () => state;
}

describe('RecordStore with the WAL synced off the event loop', () => {
  it('commits at once but resolves only when the sync after the commit has finished', async () => {
    const { store, held, rows, db } = open();
    const state = settled(store.append('lane/east-1', 'decision', { n: 1 }));
    expect(rows()).toBe(1); // committed (visible), not yet acknowledged
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // other writers keep FULL
    await tick();
    expect(held.started).toHaveLength(1);
    expect(state()).toBe('pending');
    held.started[0]?.release();
    await until(() => state() !== 'pending');
    expect(state()).toBe('resolved');
  });

  it('batches committed while a sync runs wait for the next sync, and listeners hear them in order', async () => {
    const { store, held } = open();
    const heard: number[][] = [];
    store.onCommit((b) => heard.push(b.records.map((r) => (r.data as { n: number }).n)));
    const first = settled(store.append('lane/east-1', 'decision', { n: 1 }));
    const second = settled(store.append('lane/east-1', 'decision', { n: 2 }));
    const third = settled(store.append('lane/east-1', 'decision', { n: 3 }));
    // one sync started for the first; the other two committed behind it and share the next
    expect(held.started).toHaveLength(1);
    held.started[0]?.release();
    await until(() => first() !== 'pending');
    expect([first(), second(), third()]).toEqual(['resolved', 'pending', 'pending']);
    expect(held.started).toHaveLength(2);
    held.started[1]?.release();
    await until(() => third() !== 'pending');
    expect([second(), third()]).toEqual(['resolved', 'resolved']);
    expect(heard).toEqual([[1], [2], [3]]);
  });

  it('fails the callers of a batch whose sync fails, tells the failure listeners, and goes on', async () => {
    const { store, held, rows } = open();
    const failures: string[] = [];
    store.onCommitFailed((e) => failures.push(e.message));
    const lost = store.append('lane/east-1', 'decision', { n: 1 });
    held.started[0]?.fail(new Error('EIO: i/o error, fdatasync'));
    const err = await lost.catch((e: unknown) => e);
    expect(isGatepostError(err) && err.code).toBe(ErrorCode.StoreFailed);
    expect(failures).toEqual(['store sync failed: EIO: i/o error, fdatasync']);
    const next = settled(store.append('lane/east-1', 'decision', { n: 2 }));
    await tick();
    held.started[1]?.release();
    await until(() => next() !== 'pending');
    expect(next()).toBe('resolved');
    expect(rows()).toBe(2);
  });

  it('close() syncs what waits on its own thread, so every append before it has resolved', async () => {
    const { store, held } = open();
    const a = settled(store.append('lane/east-1', 'decision', { n: 1 }));
    const b = settled(store.append('lane/east-1', 'heartbeat', { n: 2 })); // queued, not committed
    store.close();
    expect(held.nowCalls).toBe(1);
    await tick();
    expect([a(), b()]).toEqual(['resolved', 'resolved']);
    held.started[0]?.release(); // the sync that was under way ends after: nothing twice
    await tick();
  });

  it('an in-memory store has no WAL of its own and syncs as SQLite does', () => {
    const db = openDatabase(':memory:');
    closers.push(() => db.close());
    expect(WalSync.open(db)).toBeUndefined();
  });
});
