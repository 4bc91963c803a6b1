import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { openDatabase } from '../../../gateway/store/database.ts';
import type { HandoverRow } from '../../../gateway/store/handover-ledger.ts';
import { isPseudonym } from '../../../gateway/store/personal-data.ts';
import { RecordStore } from '../../../gateway/store/record-store.ts';
import { startStorage } from '../../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../../site-config/schema.ts';

const DAY = 24 * 3_600_000;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

const by = { kind: 'staff', id: 'C-07' };
const escort = { id: 'E-1', name: 'Sun Mei', phone: '13912345678' };

/** The gateway's storage over a SQLite file: the hand-over ledger is projected and kept by age. */
function setup(personalData: 'pseudonymise' | 'delete') {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-handover-retention-'));
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
  const deliverAll = () =>
    storage.outbox.markDelivered(
      new Map(storage.outbox.streams().map((s) => [s.stream, s.lastSeq])),
      clock.now(),
    );
  const open = () =>
    store.append('yard', 'handover-opened', {
      bay: 'H-0001',
      visitId: 'v-1',
      handoverId: 'h-1',
      receivingPlate: 'RX-1',
      escort,
      sealsBefore: ['S1'],
      cargo: 'rice',
      dueAt: clock.now() + 2 * 3_600_000,
      by,
    });
  const row = () => db.prepare('SELECT * FROM handovers').get() as HandoverRow | undefined;
  return { clock, db, store, storage, deliverAll, open, row };
}

describe("the hand-over ledger's retention", () => {
  it("pseudonymises the escort's name and phone in the row and the record after the retention period", async () => {
    const { clock, store, storage, deliverAll, open, row } = setup('pseudonymise');
    const rec = await open();
    deliverAll();
    await clock.advance(29 * DAY);
    storage.retention.run(clock.now());
    expect(row()).toMatchObject({ escort_name: 'Sun Mei', escort_phone: '13912345678', personal: 'kept' });
    await clock.advance(2 * DAY);
    storage.retention.run(clock.now());
    const r = row();
    expect(r?.personal).toBe('pseudonymised');
    expect(isPseudonym(r?.escort_name ?? '')).toBe(true);
    expect(isPseudonym(r?.escort_phone ?? '')).toBe(true);
    expect(r).toMatchObject({ escort_id: 'E-1', receiving_plate: 'RX-1' });
    const data = store.get(rec.id)?.data as { escort: typeof escort };
    expect(isPseudonym(data.escort.name)).toBe(true);
    expect(isPseudonym(data.escort.phone)).toBe(true);
    expect(data.escort.id).toBe('E-1');
  });

  it('deletes them in delete mode, and the row after ledgerMaxAgeDays', async () => {
    const { clock, storage, deliverAll, open, row } = setup('delete');
    await open();
    deliverAll();
    await clock.advance(31 * DAY);
    storage.retention.run(clock.now());
    expect(row()).toMatchObject({ escort_name: null, escort_phone: null, personal: 'deleted' });
    await clock.advance(365 * DAY);
    storage.retention.run(clock.now());
    expect(row()).toBeUndefined();
  });
});
