import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { maintenanceOf, recentScansOf } from '../../gateway/lanes/lane-history.ts';
import { ReplayGuard } from '../../gateway/lanes/replay-guard.ts';
import { openDatabase } from '../../gateway/store/database.ts';

/** A record appended by hand: `at` is 1,000 + its seq unless given. */
function adder(db: Database) {
  let seq = 0;
  return (stream: string, type: string, data: unknown, at?: number) =>
    db
      .prepare('INSERT INTO records (id, stream, seq, type, at, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(`r${++seq}`, stream, seq, type, at ?? 1_000 + seq, JSON.stringify(data));
}

describe('a lane after a restart', () => {
  it('comes back in the maintenance staff set before the restart, until staff clear it', () => {
    const db = openDatabase(':memory:');
    let seq = 0;
    const append = adder(db);
    const add = (stream: string, type: string, data: unknown) => {
      seq++;
      append(stream, type, data);
    };
    const mode = (lane: string, m: string, ok = true) =>
      add(`lane/${lane}`, 'staff-action', {
        lane,
        action: 'mode',
        staffId: 'staff-007',
        transaction: `tx-${seq}`,
        ok,
        detail: ok ? `lane mode ${m}: arm: replaced` : 'refused',
      });

    expect(maintenanceOf(db, 'lane/east-1')).toBeUndefined();
    mode('east-1', 'maintenance');
    add('lane/east-1', 'staff-action', {
      lane: 'east-1',
      action: 'barrier',
      staffId: 'tech-1',
      transaction: 'x',
      ok: true,
      detail: 'barrier open by hand',
    });
    mode('east-1', 'auto', false); // a refused request changes nothing
    expect(maintenanceOf(db, 'lane/east-1')).toEqual({ reason: 'arm: replaced' });
    expect(maintenanceOf(db, 'lane/east-2')).toBeUndefined();
    mode('east-1', 'auto');
    expect(maintenanceOf(db, 'lane/east-1')).toBeUndefined();
    db.close();
  });

  it('still knows the passes shown within the replay window: shown again at another lane, a replay', () => {
    const db = openDatabase(':memory:');
    const add = adder(db);
    const T1 = '0190a0b0-0000-7000-8000-000000000001';
    const T2 = '0190a0b0-0000-7000-8000-000000000002';
    const T3 = '0190a0b0-0000-7000-8000-000000000003';
    const scan = (lane: string, transitId: string, code: string, at: number) =>
      add(`lane/${lane}`, 'scan', { lane, transitId, kind: 'gp1', code, bytes: code.length }, at);
    scan('east-1', T1, 'OLD-PASS', 10_000); // before the window
    scan('east-1', T2, 'PASS-A', 500_000);
    add(
      'lane/east-1',
      'transit-start',
      { lane: 'east-1', transitId: T3, trigger: 'loop', tailgate: false },
      600_000,
    );
    scan('west-1', T3, 'PASS-B', 650_000);
    add('lane/west-1', 'scan', { lane: 'west-1', transitId: T3, kind: 'gp1', bytes: 9 }, 660_000); // code not kept

    const now = 700_000;
    const windowMs = 600_000;
    const scans = recentScansOf(db, ['lane/east-1', 'lane/west-1', 'lane/yard-exit'], now - windowMs);
    expect(scans).toEqual([
      { code: 'PASS-A', lane: 'east-1', transitId: T2, at: 500_000 },
      { code: 'PASS-B', lane: 'west-1', transitId: T3, at: 650_000 },
    ]);
    const guard = new ReplayGuard(windowMs);
    expect(guard.restore(scans)).toBe(2);
    const T9 = '0190a0b0-0000-7000-8000-000000000009';
    expect(guard.check('PASS-A', { lane: 'west-2', transitId: T9, at: now })).toMatchObject({
      lane: 'east-1',
    });
    expect(guard.check('OLD-PASS', { lane: 'west-2', transitId: T9, at: now })).toBeUndefined();
    db.close();
  });

  it('a pass of a transit the restart cut short is no replay on its own lane, in a new transit; elsewhere it is', () => {
    const T1 = '0190a0b0-0000-7000-8000-000000000001';
    const T2 = '0190a0b0-0000-7000-8000-000000000002';
    const T3 = '0190a0b0-0000-7000-8000-000000000003';
    const cut = () => {
      const g = new ReplayGuard(600_000);
      g.restore([{ code: 'PASS-C', lane: 'east-1', transitId: T1, at: 1_000, cutShort: true }]);
      return g;
    };
    expect(cut().check('PASS-C', { lane: 'east-1', transitId: T2, at: 5_000 })).toBeUndefined();
    expect(cut().check('PASS-C', { lane: 'west-1', transitId: T2, at: 5_000 })).toMatchObject({
      lane: 'east-1',
    });
    // Once scanned again, the new sighting is an ordinary one: a third transit is a replay.
    const g = cut();
    g.check('PASS-C', { lane: 'east-1', transitId: T2, at: 5_000 });
    expect(g.check('PASS-C', { lane: 'east-1', transitId: T3, at: 9_000 })).toMatchObject({ transitId: T2 });
  });
});
