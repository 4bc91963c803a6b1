import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { WalCheckpointer } from '../../gateway/store/wal-checkpointer.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const log = silentLogger();
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await removeTempDirs();
});

async function setUp(o: { rows: number; intervalMs: number; groupCommitMs?: number }) {
  const path = join(await makeTempDir('gatepost-wal-'), 'g.db');
  const db = openDatabase(path);
  const store = new RecordStore({
    db,
    site: 'demo',
    clock: systemClock,
    log,
    groupCommitMs: o.groupCommitMs ?? 0,
  });
  const checkpointer = new WalCheckpointer({ db, store, log, rows: o.rows, intervalMs: o.intervalMs });
  stops.push(() => {
    checkpointer.stop();
    store.close();
    db.close();
  });
  const walBytes = () => statSync(`${path}-wal`).size;
  const append = (n: number, type = 'transit-start') =>
    Promise.all(
      Array.from({ length: n }, (_, i) => store.append('lane/east-1', type, { i, pad: 'x'.repeat(250) })),
    );
  return { db, store, checkpointer, walBytes, append };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WAL checkpoints between commits (wal-checkpointer.ts)', () => {
  it('leaves SQLite’s own checkpoint as a far backstop', async () => {
    const { db } = await setUp({ rows: 1000, intervalMs: 60_000 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10000);
  });

  it('checkpoints after the commit that crosses the row count, not inside it, and the WAL is then reused', async () => {
    const { checkpointer, walBytes, append } = await setUp({ rows: 500, intervalMs: 60_000 });
    await append(600);
    // The commit has resolved and no checkpoint ran inside it; it comes on a later turn.
    expect(checkpointer.runs).toBe(0);
    await sleep(20);
    expect(checkpointer.runs).toBe(1);
    const after1 = walBytes();
    // The next records start the WAL again from its beginning: it does not grow on.
    await append(600);
    await sleep(20);
    expect(checkpointer.runs).toBe(2);
    expect(walBytes()).toBeLessThanOrEqual(after1);
  });

  it('checkpoints on the interval when fewer rows came', async () => {
    const { checkpointer, append } = await setUp({ rows: 10_000, intervalMs: 100 });
    await sleep(250);
    expect(checkpointer.runs).toBe(0); // nothing committed: nothing to do
    await append(3);
    await sleep(250);
    expect(checkpointer.runs).toBe(1);
  });

  it('waits while records are queued in the store, so a commit never waits behind it', async () => {
    const { store, checkpointer, append } = await setUp({ rows: 1, intervalMs: 60_000, groupCommitMs: 150 });
    await append(1, 'decision'); // committed at once (urgent); a checkpoint is due
    const waiting = append(1); // queued for the 150 ms group-commit window
    expect(store.queued()).toBe(1);
    await sleep(100);
    expect(checkpointer.runs).toBe(0);
    await waiting;
    await sleep(60);
    expect(checkpointer.runs).toBe(1);
  });
});
