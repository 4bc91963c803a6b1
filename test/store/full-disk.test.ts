import { closeSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { StorageAlarmDataSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { DiskReserve } from '../../gateway/store/disk-reserve.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';
import { canMount, mountSmallDisk } from './small-disk.ts';

const MB = 1024 * 1024;
const RESERVE = 4 * MB;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

function logger() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n'))
          if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { log, lines, said: (msg: string) => lines.some((l) => String(l.msg).includes(msg)) };
}

function open(path: string, log: Logger, checkIntervalMs: number) {
  const config = StorageConfigSchema.parse({
    path,
    reserveBytes: RESERVE,
    checkIntervalMs,
    maintenanceIntervalMs: 3_600_000,
  });
  const db = openDatabase(path, { reserve: new DiskReserve(path, RESERVE), log });
  const store = new RecordStore({ db, site: 'full', clock: systemClock, log, groupCommitMs: 1 });
  const storage = startStorage({ db, store, config, site: 'full', clock: systemClock, log });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    storage.stop();
    store.close();
    db.close();
  };
  cleanup.push(close);
  return { db, store, storage, close };
}

let n = 0;
/** Appends essential records (~1 KB each) until the store refuses them; returns how many went in. */
async function fillUntilRefused(store: RecordStore): Promise<{ committed: number; error: unknown }> {
  let committed = 0;
  for (;;) {
    const batch = Array.from({ length: 100 }, () =>
      store.append('lane/east-1', 'barrier', { transitId: `t${n++}`, pad: 'x'.repeat(950) }),
    );
    const results = await Promise.allSettled(batch);
    committed += results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) return { committed, error: failed.reason };
    // Let the checkpointer and the guard's timers have their turns, as traffic would.
    await new Promise((r) => setTimeout(r, 1));
  }
}

const count = (db: Database) =>
  (db.prepare("SELECT COUNT(*) AS n FROM records WHERE stream = 'lane/east-1'").get() as { n: number }).n;
const alarmLevels = (store: RecordStore) =>
  store
    .readStream('gateway', 1, 10_000)
    .filter((r) => r.type === 'storage-alarm')
    .map((r) => StorageAlarmDataSchema.parse(r.data).level);

async function waitFor(what: string, cond: () => boolean, ms = 20_000, why = () => ''): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${why() ? `; last words:\n${why()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function fillTheRest(dir: string): void {
  const fd = openSync(join(dir, `filler-${Date.now()}`), 'w');
  const buf = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, buf);
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!canMount())('a full disk (a real 40 MB tmpfs)', () => {
  it('the guard reclaims on its own timers when the disk fills for real; the process lives, the levels were all raised, records are accepted again', async () => {
    const disk = mountSmallDisk(40);
    cleanup.push(disk.unmount);
    const path = join(disk.dir, 'g.db');
    const { log, said, lines } = logger();
    const { db, store, storage } = open(path, log, 100);
    // Made at start in the background (off the event loop): whole once that making settles.
    await new DiskReserve(path, RESERVE).settled();
    expect(new DiskReserve(path, RESERVE).held()).toBe(RESERVE);
    expect(storage.guard.current().level).toBe('ok'); // today: under 64 MB free was full at once

    // The uplink is down: nothing can be reclaimed, the essential records fill the disk itself.
    // (A WAL over its allowance may fill it first; a checkpoint on the reserve's room then makes
    // room again and the records go on: until the database itself fills the disk.)
    let committed = 0;
    for (let i = 0; i < 50 && !storage.guard.current().refusingRecords; i++) {
      const filled = await fillUntilRefused(store);
      committed += filled.committed;
      expect(
        isGatepostError(filled.error, ErrorCode.StoreFailed) ||
          isGatepostError(filled.error, ErrorCode.StoreFull),
      ).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(storage.guard.current().refusingRecords).toBe(true);
    expect(storage.guard.current().level).toBe('full');
    expect(said('the store reserve was released')).toBe(true);
    // While it waits for room, every record is refused (the room is for reclaiming).
    await expect(store.append('lane/east-1', 'barrier', { late: 1 })).rejects.toSatisfy((e) =>
      isGatepostError(e, ErrorCode.StoreFull),
    );

    // The backlog is delivered at last: the guard reclaims on its timers, takes the reserve back
    // and accepts records again.
    const cursors = new Map(storage.outbox.streams().map((s) => [s.stream, s.lastSeq]));
    storage.outbox.markDelivered(cursors, Date.now());
    // (On failure, the guard's last words say why: a second full disk released it again?)
    const recent = () =>
      lines
        .filter((l) => (l.level as number) >= 30)
        .slice(-12)
        .map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? l.reason ?? '').slice(0, 200)}`)
        .join('\n');
    await waitFor(
      'records to be accepted again',
      () => !storage.guard.current().refusingRecords,
      20_000,
      () => {
        const g = storage.guard.current();
        return `${JSON.stringify(g).slice(0, 400)}\n${recent()}`;
      },
    );
    expect(new DiskReserve(path, RESERVE).held(), recent()).toBe(RESERVE);
    // And it stays back: the checks that follow vacuum in steps that fit the room left (a whole
    // 32 MB step filled the disk again, released the reserve and raised the alarms once more).
    const releases = () =>
      lines.filter((l) => String(l.msg).includes('the store reserve was released')).length;
    const released = releases();
    await new Promise((r) => setTimeout(r, 1000));
    expect(releases(), recent()).toBe(released);
    expect(new DiskReserve(path, RESERVE).held()).toBe(RESERVE);
    expect(storage.guard.current().refusingRecords).toBe(false);
    expect(count(db)).toBeLessThan(committed);
    const late = await store.append('lane/east-1', 'barrier', { late: 2 });
    expect(store.get(late.id)?.id).toBe(late.id);
    await waitFor('the alarms kept while the disk was full to be written, and the way down', () => {
      const levels = alarmLevels(store);
      return levels.includes('full') && levels.at(-1) !== 'full';
    });
    const levels = alarmLevels(store);
    // No level skipped on the way up, whatever the measure jumped by.
    expect(levels.slice(0, 3)).toEqual(['warning', 'critical', 'full']);
    expect(levels.at(-1)).not.toBe('full');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 60_000);

  it('starts on a disk another writer filled: opens by releasing the reserve, reclaims the delivered records, says so, and takes the reserve back', async () => {
    const disk = mountSmallDisk(40);
    cleanup.push(disk.unmount);
    const path = join(disk.dir, 'g.db');
    const first = logger();
    const before = open(path, first.log, 3_600_000);
    // 15 MB delivered (the uplink was up), 2 MB not yet, the WAL checkpointed as the
    // checkpointer leaves it; the gateway stops.
    for (let i = 0; i < 150; i++)
      await before.store.append('lane/east-1', 'barrier', { i, pad: 'x'.repeat(100_000) });
    const cursors = new Map(before.storage.outbox.streams().map((s) => [s.stream, s.lastSeq]));
    before.storage.outbox.markDelivered(cursors, Date.now());
    for (let i = 0; i < 20; i++)
      await Promise.all(
        Array.from({ length: 100 }, () =>
          before.store.append('lane/east-1', 'barrier', { transitId: `u${n++}`, pad: 'x'.repeat(950) }),
        ),
      );
    const undelivered = count(before.db) - 150;
    before.close();
    // Then something else on the box (logs, a core dump) takes the disk to the last byte.
    fillTheRest(disk.dir);

    const again = logger();
    const after = open(path, again.log, 100); // today: "cannot open the store ... disk is full"
    // SQLite must make the WAL and its index to open the store: the reserve gave it the room.
    expect(again.said('its reserve was released to open it')).toBe(true);
    await waitFor('records to be accepted again', () => !after.storage.guard.current().refusingRecords);
    expect(again.said('storage alarm: full')).toBe(true);
    expect(again.said('the reserve is back; records are accepted again')).toBe(true);
    expect(new DiskReserve(path, RESERVE).held()).toBe(RESERVE);
    expect(after.storage.guard.current().reclaimedTotal).toBe(150);
    // Only delivered records went; every undelivered one is still there.
    expect(count(after.db)).toBe(undelivered);
    const rec = await after.store.append('lane/east-1', 'barrier', { after: 'restart' });
    expect(after.store.get(rec.id)?.id).toBe(rec.id);
    await waitFor('the full alarm to be recorded', () => alarmLevels(after.store).includes('full'));
    expect(after.db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 60_000);

  it('takes the reserve back off the event loop: records stay refused until it is whole and synced, then are accepted', async () => {
    const disk = mountSmallDisk(40);
    cleanup.push(disk.unmount);
    const path = join(disk.dir, 'g.db');
    const first = logger();
    const before = open(path, first.log, 3_600_000);
    await new DiskReserve(path, RESERVE).settled();
    await before.store.append('lane/east-1', 'barrier', { before: 'full' });
    before.close();
    fillTheRest(disk.dir);

    const again = logger();
    const after = open(path, again.log, 100);
    const reserve = new DiskReserve(path, RESERVE);
    expect(after.storage.guard.current().refusingRecords).toBe(true);
    expect(reserve.held()).toBe(0);
    // Room again (the other writer's file goes): the guard's next check starts making the reserve.
    for (const f of readdirSync(disk.dir)) if (f.startsWith('filler-')) unlinkSync(join(disk.dir, f));
    let sawMaking = 0;
    const until = Date.now() + 20_000;
    while (after.storage.guard.current().refusingRecords || reserve.making()) {
      if (Date.now() > until) throw new Error('timed out waiting for the reserve to be taken back');
      if (reserve.making()) {
        // Being made: not whole yet, so every record is still refused.
        sawMaking++;
        expect(after.storage.guard.current().refusingRecords).toBe(true);
        await expect(after.store.append('lane/east-1', 'barrier', { during: 'making' })).rejects.toSatisfy(
          (e) => isGatepostError(e, ErrorCode.StoreFull),
        );
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(sawMaking).toBeGreaterThan(0);
    expect(reserve.held()).toBe(RESERVE);
    expect(again.said('the reserve is back; records are accepted again')).toBe(true);
    const rec = await after.store.append('lane/east-1', 'barrier', { after: 'making' });
    expect(after.store.get(rec.id)?.id).toBe(rec.id);
  }, 60_000);

  it('a small disk is ok at the first check, and its levels rise one by one without flapping while the WAL swings', async () => {
    const disk = mountSmallDisk(80);
    cleanup.push(disk.unmount);
    const path = join(disk.dir, 'g.db');
    const { log } = logger();
    const { store, storage } = open(path, log, 100);
    // Today: less than 64 MB free was "full" at once.
    expect(storage.guard.current().level).toBe('ok');
    const seen: string[] = [];
    const wal: number[] = [];
    // Steady essential traffic, the checkpointer doing its work (the WAL grows and is cut back).
    while (storage.guard.current().level !== 'critical' && !storage.guard.current().refusingRecords) {
      await Promise.all(
        Array.from({ length: 200 }, () =>
          store.append('lane/east-1', 'barrier', { transitId: `s${n++}`, pad: 'x'.repeat(950) }),
        ),
      );
      await new Promise((r) => setTimeout(r, 2));
      const s = storage.guard.current();
      if (seen.at(-1) !== s.level) seen.push(s.level);
      wal.push(s.walBytes);
    }
    expect(seen).toEqual(['ok', 'warning', 'critical']);
    // The WAL did swing (the measure is not the WAL file), by more than the warning band.
    expect(Math.max(...wal) - Math.min(...wal)).toBeGreaterThan(2 * MB);
    await waitFor('the alarms to be written', () => alarmLevels(store).length >= 2);
    expect(alarmLevels(store)).toEqual(['warning', 'critical']);
  }, 60_000);
});
