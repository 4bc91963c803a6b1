import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStoreTables } from '../../bench/soak/store-tables.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the soak's reading of the store, table by table", () => {
  it('counts rows and pages per table and records per type, beside the gateway writing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-store-tables-'));
    dirs.push(dir);
    const path = join(dir, 'gatepost.db');
    const db = openDatabase(path);
    const store = new RecordStore({
      db,
      site: 's',
      clock: systemClock,
      log: silentLogger(),
      groupCommitMs: 1,
    });
    const empty = readStoreTables(path);
    expect(empty?.tables.records).toMatchObject({ rows: 0 });
    const pad = 'x'.repeat(500);
    for (let i = 0; i < 2000; i++)
      void store.append('lane/a', i % 4 ? 'decision' : 'transit-end', { i, pad });
    await store.append('gateway', 'device-error', { pad });
    const full = readStoreTables(path);
    expect(full?.recordTypes).toEqual({ decision: 1500, 'transit-end': 500, 'device-error': 1 });
    expect(full?.tables.records?.rows).toBe(2001);
    // 2,001 rows of ~600 bytes: about 1.2 MB of the table's own pages, more than when empty.
    expect(full?.tables.records?.mb).toBeGreaterThan(1);
    expect(full?.tables.records?.mb).toBeLessThan(3);
    expect(full?.tables.records?.indexMb).toBeGreaterThan(empty?.tables.records?.indexMb ?? 0);
    expect(full?.tables.streams?.rows).toBe(2);
    // Deleted rows' pages go to the freelist once checkpointed into the file.
    db.prepare("DELETE FROM records WHERE type = 'decision'").run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = readStoreTables(path);
    expect(after?.freeMb).toBeGreaterThan(0.5);
    expect(after?.recordTypes).toEqual({ 'transit-end': 500, 'device-error': 1 });
    db.close();
  });

  it('is undefined for a file that is not a store, and for no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-store-tables-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'not.db'), 'not a database at all, just some text over a page long '.repeat(100));
    expect(readStoreTables(join(dir, 'not.db'))).toBeUndefined();
    expect(readStoreTables(join(dir, 'missing.db'))).toBeUndefined();
  });
});
