import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { isPseudonym } from '../../gateway/store/personal-data.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';

const DAY = 24 * 3_600_000;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function setup(personalData: 'pseudonymise' | 'delete' = 'pseudonymise') {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-retention-'));
  const path = join(dir, 'g.db');
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const db = openDatabase(path);
  const log = silentLogger();
  const store = new RecordStore({ db, site: 'demo', clock, log, groupCommitMs: 0 });
  const config = StorageConfigSchema.parse({
    path,
    personalData,
    personalDataRetentionDays: 30,
    maxAgeDays: 90,
    ledgerMaxAgeDays: 365,
  });
  const storage = startStorage({ db, store, config, site: 'demo', clock, log });
  cleanup.push(() => {
    storage.stop();
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** The data of a stored record (fails the test if the record is gone). */
  const dataOf = <T>(id: string): T => {
    const r = store.get(id);
    if (!r) throw new Error(`record ${id} is gone`);
    return r.data as T;
  };
  const deliverAll = () =>
    storage.outbox.markDelivered(
      new Map(storage.outbox.streams().map((s) => [s.stream, s.lastSeq])),
      clock.now(),
    );
  return { clock, db, store, storage, deliverAll, dataOf, path };
}

const decision = (transitId: string, name: string) => ({
  lane: 'east-1',
  transitId,
  outcome: 'REVIEW',
  by: 'staff',
  plate: 'AB 123',
  manual: { plate: 'AB 123', name, idNumber: '110101199001011234' },
});

describe('retention', () => {
  it('pseudonymises names and ID numbers after the retention period, once delivered, and keeps the rest', async () => {
    const { clock, db, store, storage, deliverAll, dataOf, path } = setup();
    const delivered = await store.append('lane/east-1', 'decision', decision('t-1', 'Li Lei'));
    const scan = await store.append('lane/east-1', 'scan', {
      lane: 'east-1',
      kind: 'HC1',
      code: 'HC1:NCFOXN%TS3DH',
      bytes: 16,
    });
    storage.outbox.markDelivered(new Map([['lane/east-1', scan.seq]]), clock.now());
    const pending = await store.append('yard', 'bay-reserved', {
      bay: 'P-0001',
      visit: { id: 'V1', subject: 'holder-1', transitId: 't-1', intent: 'yard', reason: 'review' },
    });

    await clock.advance(29 * DAY);
    expect(storage.retention.run(clock.now()).recordsScrubbed).toBe(0); // not yet due
    await clock.advance(2 * DAY);
    const first = storage.retention.run(clock.now());
    expect(first.recordsScrubbed).toBe(2);
    expect(first.ledgerScrubbed).toBe(0); // a record of its truck is still on its way
    const data = dataOf<ReturnType<typeof decision>>(delivered.id);
    expect(isPseudonym(data.manual.name)).toBe(true);
    expect(isPseudonym(data.manual.idNumber)).toBe(true);
    expect(data).toMatchObject({
      transitId: 't-1',
      outcome: 'REVIEW',
      plate: 'AB 123',
      manual: { plate: 'AB 123' },
    });
    expect(dataOf<{ code: string }>(scan.id).code).toMatch(/^ps:/);
    expect(dataOf<{ visit: { subject: string } }>(pending.id).visit.subject).toBe('holder-1');

    deliverAll();
    const second = storage.retention.run(clock.now());
    expect(second).toMatchObject({ recordsScrubbed: 1, ledgerScrubbed: 1 });
    const entry = storage.ledger.get('t-1');
    expect(entry).toMatchObject({
      personalData: 'pseudonymised',
      plate: 'AB 123',
      decision: 'REVIEW',
      visitId: 'V1',
    });
    // The same person keeps the same pseudonym in records and ledger: still traceable.
    expect(entry?.driver.name).toBe(data.manual.name);
    expect(entry?.driver.subject).toBe(dataOf<{ visit: { subject: string } }>(pending.id).visit.subject);
    // Nothing of the names is left in the database file.
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from('Li Lei'))).toBe(false);
    expect(bytes.includes(Buffer.from('110101199001011234'))).toBe(false);
  });

  it('can delete them instead', async () => {
    const { clock, store, storage, deliverAll, dataOf } = setup('delete');
    const rec = await store.append('lane/east-1', 'decision', decision('t-2', 'Han Meimei'));
    deliverAll();
    await clock.advance(31 * DAY);
    storage.retention.run(clock.now());
    expect(dataOf<ReturnType<typeof decision>>(rec.id).manual).toEqual({
      plate: 'AB 123',
      name: null,
      idNumber: null,
    });
    expect(storage.ledger.get('t-2')).toMatchObject({ personalData: 'deleted', driver: {}, plate: 'AB 123' });
  });

  it("pseudonymises every person of a crew, in the records and in the ledger's persons", async () => {
    const { clock, db, store, storage, deliverAll, path } = setup();
    const person = (seat: number, role: string, name: string, idNumber: string) => ({
      seat,
      role,
      outcome: 'REVIEW',
      reasons: [{ code: 'manual-registration', outcome: 'REVIEW', detail: 'by hand' }],
      manual: { plate: 'AB 123', name, idNumber },
    });
    await store.append('lane/east-1', 'decision', {
      ...decision('t-3', 'Zhao Yun'),
      persons: [
        person(1, 'driver', 'Zhao Yun', '110101199001011111'),
        person(2, 'co-driver', 'Ma Chao', '110101199001012222'),
      ],
    });
    deliverAll();
    await clock.advance(31 * DAY);
    expect(storage.retention.run(clock.now())).toMatchObject({ recordsScrubbed: 1, ledgerScrubbed: 1 });
    const entry = storage.ledger.get('t-3');
    expect(entry?.persons.map((p) => [p.seat, p.role])).toEqual([
      [1, 'driver'],
      [2, 'co-driver'],
    ]);
    for (const p of entry?.persons ?? []) {
      expect(isPseudonym(p.personName ?? '')).toBe(true);
      expect(isPseudonym(p.idNumber ?? '')).toBe(true);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(path);
    for (const s of ['Zhao Yun', 'Ma Chao', '110101199001012222'])
      expect(bytes.includes(Buffer.from(s)), s).toBe(false);
  });

  it('reclaims delivered records past maxAgeDays, never undelivered ones, and old ledger entries', async () => {
    const { clock, store, storage } = setup();
    const old = await store.append('lane/east-1', 'decision', decision('t-3', 'A'));
    const oldYard = await store.append('yard', 'barrier', { x: 1 });
    storage.outbox.markDelivered(new Map([['lane/east-1', old.seq]]), clock.now());
    await clock.advance(100 * DAY);
    const young = await store.append('lane/east-1', 'barrier', { x: 2 });
    storage.outbox.markDelivered(new Map([['lane/east-1', young.seq]]), clock.now());
    expect(storage.retention.run(clock.now()).reclaimed).toBe(1);
    expect(store.get(old.id)).toBeUndefined();
    expect(store.get(oldYard.id)).toBeDefined(); // never delivered: kept however old
    expect(store.get(young.id)).toBeDefined();
    expect(storage.ledger.get('t-3')).toBeDefined();
    await clock.advance(300 * DAY);
    expect(storage.retention.run(clock.now()).ledgerDeleted).toBe(1);
    expect(storage.ledger.get('t-3')).toBeUndefined();
    // The stream keeps counting after its rows are gone.
    expect((await store.append('lane/east-1', 'barrier', {})).seq).toBe(3);
  });

  it('runs in slices in the gateway: the loop is let go between steps, and the run does what a whole run does', async () => {
    const a = setup();
    const b = setup();
    // 600 delivered decisions with a name each, on two identical stores.
    for (const { store, deliverAll } of [a, b]) {
      await Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          store.append('lane/east-1', 'decision', decision(`t-${i}`, `N ${i}`)),
        ),
      );
      deliverAll();
    }
    await a.clock.advance(40 * DAY);
    await b.clock.advance(40 * DAY);
    const whole = a.storage.retention.run(a.clock.now());
    expect(whole.recordsScrubbed).toBe(600);

    // Sliced: every pause is a turn of the event loop; a timer set at the start must fire during
    // the run (the run does not hold the loop), and no slice of work between pauses is long.
    let pauses = 0;
    let ticked = false;
    const tick = setTimeout(() => {
      ticked = true;
    }, 0);
    const slices: number[] = [];
    let since = performance.now();
    const sliced = await b.storage.retention.runSliced(
      b.clock.now(),
      () =>
        new Promise<boolean>((resolve) => {
          slices.push(performance.now() - since);
          pauses++;
          setTimeout(() => {
            since = performance.now();
            resolve(true);
          }, 0);
        }),
      2,
    );
    clearTimeout(tick);
    expect(sliced).toEqual(whole);
    expect(pauses).toBeGreaterThan(3);
    expect(ticked).toBe(true);
    // A slice is 2 ms of steps plus the step that crossed it (at most 200 rows): loose, as timing upper
    // bounds are here (the whole run took several slices' time).
    expect(Math.max(...slices)).toBeLessThan(250);
    for (const id of ['t-0', 't-599']) expect(b.storage.ledger.get(id)?.personalData).toBe('pseudonymised');
  });

  it('a sliced run told to stop at a pause ends there: what was done stays, the rest is left for the next run', async () => {
    const { clock, store, storage, deliverAll } = setup();
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        store.append('lane/east-1', 'decision', decision(`s-${i}`, `M ${i}`)),
      ),
    );
    deliverAll();
    await clock.advance(40 * DAY);
    const first = await storage.retention.runSliced(clock.now(), async () => false, 0);
    expect(first.more).toBe(true);
    expect(first.recordsScrubbed).toBeGreaterThan(0);
    expect(first.recordsScrubbed).toBeLessThan(500);
    const rest = storage.retention.run(clock.now());
    expect(first.recordsScrubbed + rest.recordsScrubbed).toBe(500);
    expect(rest.more).toBe(false);
  });
});
