import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { type StorageStatus, StorageStatusSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { type Storage, startStorage } from '../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';

const MB = 1024 * 1024;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-disk-'));
  const path = join(dir, 'g.db');
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
  const config = StorageConfigSchema.parse({
    path,
    maxBytes: 40 * MB,
    checkIntervalMs: 3_600_000,
    maintenanceIntervalMs: 3_600_000,
  });
  const db = openDatabase(path);
  const store = new RecordStore({ db, site: 'disk', clock: systemClock, log, groupCommitMs: 1 });
  const published: StorageStatus[] = [];
  const storage = startStorage({
    db,
    store,
    config,
    site: 'disk',
    clock: systemClock,
    log,
    status: {
      async publish(topic, payload, retain) {
        expect(topic).toBe('gatepost/disk/gateway/storage');
        expect(retain).toBe(true);
        published.push(StorageStatusSchema.parse(payload));
      },
    },
  });
  cleanup.push(() => {
    storage.stop();
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, store, storage, published, lines, path };
}

const STREAMS = ['lane/east-1', 'lane/west-1', 'yard'];
let n = 0;
/** Appends `count` records of ~1 KB, alternately essential (`barrier`) and telemetry (`reading`). */
async function fill(store: RecordStore, count: number, telemetry: boolean) {
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const type = telemetry && i % 2 === 1 ? 'reading' : 'barrier';
    all.push(
      store.append(STREAMS[n++ % STREAMS.length] ?? 'yard', type, {
        transitId: `t${n}`,
        pad: 'x'.repeat(950),
      }),
    );
  }
  await Promise.all(all);
}

function counts(db: Database) {
  return db.prepare('SELECT sheddable, COUNT(*) AS n FROM records GROUP BY sheddable').all() as {
    sheddable: number;
    n: number;
  }[];
}
const essential = (db: Database) => counts(db).find((c) => c.sheddable === 0)?.n ?? 0;
const telemetry = (db: Database) => counts(db).find((c) => c.sheddable === 1)?.n ?? 0;

async function fillUntil(
  store: RecordStore,
  s: Storage,
  level: StorageStatus['level'],
  withTelemetry: boolean,
) {
  for (let i = 0; i < 200 && s.guard.check().level !== level; i++) await fill(store, 500, withTelemetry);
  expect(s.guard.current().level).toBe(level);
}

describe('the disk limit', () => {
  it('raises alarms at 80 % and 95 %, sheds telemetry before anything else, refuses only telemetry at the limit, and reclaims once drained', async () => {
    const { db, store, storage, published, lines, path } = setup();
    const gatewayRecords = () => {
      store.flush(); // the guard's own records are appended like any other: commit them now
      return store.readStream('gateway', 1, 1000);
    };
    const alarms = () => gatewayRecords().filter((r) => r.type === 'storage-alarm');

    // 1. The uplink is down: nothing is delivered, so nothing may be reclaimed yet.
    await fillUntil(store, storage, 'warning', true);
    expect(published.at(-1)).toMatchObject({ level: 'warning', refusingTelemetry: false });
    expect(published.at(-1)?.ratio).toBeGreaterThanOrEqual(0.8);
    expect(lines.some((l) => l.msg === 'storage alarm: warning' && l.level === 40)).toBe(true);
    expect(storage.guard.current().reclaimedTotal).toBe(0);
    const essentialBefore = essential(db);
    const telemetryBefore = telemetry(db);

    // 2. Critical: the oldest undelivered telemetry gives way, never an essential record.
    await fill(store, 0, true);
    for (let i = 0; i < 200 && storage.guard.current().shedTotal === 0; i++) {
      await fill(store, 500, true);
      storage.guard.check();
    }
    const afterShed = storage.guard.current();
    expect(afterShed.shedTotal).toBeGreaterThan(0);
    expect(afterShed.ratio).toBeLessThan(0.95);
    // Up to critical, then down again once the telemetry is gone (to warning or, the WAL being
    // checkpointed too, further).
    const levels = alarms().map((r) => (r.data as { level: string }).level);
    expect(levels.slice(0, 2)).toEqual(['warning', 'critical']);
    expect(['warning', 'ok']).toContain(levels.at(-1));
    expect(lines.some((l) => l.msg === 'storage alarm: critical' && l.level === 50)).toBe(true);
    expect(published.some((p) => p.level === 'critical')).toBe(true);
    expect(essential(db)).toBeGreaterThan(essentialBefore); // all kept, more added
    expect(telemetry(db)).toBeLessThan(telemetryBefore);
    const sheds = gatewayRecords().filter((r) => r.type === 'storage-shed');
    expect(sheds.length).toBeGreaterThan(0);
    expect(sheds[0]?.data).toMatchObject({ reason: 'disk-critical', types: ['reading'] });
    // Oldest first: what telemetry is left is newer than anything shed.
    const oldestLeft = db.prepare('SELECT MIN(rowid) AS r FROM records WHERE sheddable = 1').get() as {
      r: number | null;
    };
    const firstEssential = db.prepare("SELECT MIN(rowid) AS r FROM records WHERE type = 'barrier'").get() as {
      r: number;
    };
    expect(oldestLeft.r === null || oldestLeft.r > firstEssential.r + 100).toBe(true);

    // 3. Only essential records now: they fill the store to its limit and are still accepted;
    //    new telemetry is refused.
    const essentialCount = essential(db);
    await fillUntil(store, storage, 'full', false);
    expect(published.at(-1)).toMatchObject({ level: 'full', refusingTelemetry: true });
    await expect(store.append('lane/east-1', 'reading', { t: 1 })).rejects.toSatisfy((e) =>
      isGatepostError(e, ErrorCode.StoreFull),
    );
    const decision = await store.append('lane/east-1', 'barrier', { transitId: 'late', pad: 'x' });
    expect(store.get(decision.id)?.id).toBe(decision.id);
    expect(essential(db)).toBeGreaterThan(essentialCount);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // 4. The uplink drains the backlog: delivered records are reclaimed (telemetry first, then
    //    the oldest), the file shrinks, the alarm clears and telemetry is accepted again.
    const fileBefore = statSync(path).size;
    const cursors = new Map(storage.outbox.streams().map((s) => [s.stream, s.lastSeq]));
    storage.outbox.markDelivered(cursors, Date.now());
    for (let i = 0; i < 50 && storage.guard.current().level !== 'ok'; i++) storage.guard.check();
    const after = storage.guard.current();
    expect(after).toMatchObject({ level: 'ok', refusingTelemetry: false });
    expect(after.ratio).toBeLessThanOrEqual(0.7);
    expect(after.reclaimedTotal).toBeGreaterThan(0);
    expect(statSync(path).size).toBeLessThan(fileBefore * 0.8);
    expect(telemetry(db)).toBe(0);
    expect(published.at(-1)?.level).toBe('ok');
    expect(lines.some((l) => l.msg === 'storage back to normal')).toBe(true);
    await expect(store.append('lane/east-1', 'reading', { t: 2 })).resolves.toMatchObject({
      type: 'reading',
    });
    // The ledger keeps its trace of reclaimed records: nothing of it was deleted.
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    console.info(
      `disk limit: ${published.length} status publications, alarms ${alarms()
        .map((r) => (r.data as { level: string }).level)
        .join(
          ' → ',
        )}, ${afterShed.shedTotal} telemetry shed, ${after.reclaimedTotal} delivered reclaimed, file ${Math.round(fileBefore / MB)} → ${Math.round(statSync(path).size / MB)} MB`,
    );
  }, 60_000);
});
