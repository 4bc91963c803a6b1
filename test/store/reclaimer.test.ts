import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { Outbox } from '../../gateway/store/outbox.ts';
import { Reclaimer, type ShedRange } from '../../gateway/store/reclaimer.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function setup() {
  const clock = new ManualClock();
  const db = openDatabase(':memory:');
  const store = new RecordStore({ db, site: 'demo', clock, log: silentLogger(), groupCommitMs: 0 });
  cleanup.push(() => {
    store.close();
    db.close();
  });
  // yard: 1..10 alternately telemetry (odd) and essential (even), lane: 1..10 essential
  for (let i = 1; i <= 10; i++) {
    await clock.advance(1000);
    await Promise.all([
      store.append('yard', i % 2 ? 'reading' : 'bay-reserved', { i }),
      store.append('lane/east-1', 'barrier', { i }),
    ]);
  }
  const seqs = (stream: string) =>
    (
      db.prepare('SELECT seq FROM records WHERE stream = ? ORDER BY seq').all(stream) as { seq: number }[]
    ).map((r) => r.seq);
  return { db, store, clock, outbox: new Outbox(db), reclaimer: new Reclaimer(db, silentLogger()), seqs };
}

describe('Reclaimer', () => {
  it('reclaims only delivered records, oldest first across streams, telemetry alone if asked', async () => {
    const { outbox, reclaimer, seqs } = await setup();
    outbox.markDelivered(
      new Map([
        ['yard', 6],
        ['lane/east-1', 4],
      ]),
      0,
    );
    expect(reclaimer.reclaimDelivered({ limit: 100, sheddableOnly: true })).toBe(3); // yard 1, 3, 5
    expect(seqs('yard')).toEqual([2, 4, 6, 7, 8, 9, 10]);
    expect(reclaimer.reclaimDelivered({ limit: 3 })).toBe(3); // lane 1, yard 2, lane 2 (by age)
    expect(seqs('lane/east-1')).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(reclaimer.reclaimDelivered({ limit: 100 })).toBe(4);
    expect(seqs('yard')).toEqual([7, 8, 9, 10]);
    expect(seqs('lane/east-1')).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('sheds undelivered telemetry only, reports each gap, and respects holds', async () => {
    const { outbox, reclaimer, seqs } = await setup();
    outbox.markDelivered(new Map([['yard', 2]]), 0);
    const heard: ShedRange[] = [];
    reclaimer.onShed((r) => heard.push(...r));
    reclaimer.holdFrom('yard', 9); // e.g. the yard's last snapshot starts at 9
    expect(reclaimer.shedUndelivered(100)).toEqual([
      { stream: 'yard', fromSeq: 3, toSeq: 7, count: 3, types: ['reading'] },
    ]);
    expect(heard).toHaveLength(1);
    expect(seqs('yard')).toEqual([1, 2, 4, 6, 8, 9, 10]);
    outbox.markDelivered(new Map([['yard', 10]]), 0);
    reclaimer.reclaimDelivered({ limit: 100 });
    expect(seqs('yard')).toEqual([9, 10]);
    reclaimer.holdFrom('yard', undefined);
    reclaimer.reclaimDelivered({ limit: 100 });
    expect(seqs('yard')).toEqual([]);
    expect(seqs('lane/east-1')).toHaveLength(10); // never delivered: untouched
  });
});
