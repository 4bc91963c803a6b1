import { describe, expect, it } from 'vitest';
import { maintenanceOf } from '../../gateway/lanes/lane-wiring.ts';
import { openDatabase } from '../../gateway/store/database.ts';

describe('a lane after a restart', () => {
  it('comes back in the maintenance staff set before the restart, until staff clear it', () => {
    const db = openDatabase(':memory:');
    let seq = 0;
    const add = (stream: string, type: string, data: unknown) =>
      db
        .prepare('INSERT INTO records (id, stream, seq, type, at, data) VALUES (?, ?, ?, ?, ?, ?)')
        .run(`r${++seq}`, stream, seq, type, 1_000 + seq, JSON.stringify(data));
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
});
