import { describe, expect, it } from 'vitest';
import { staff, startYard } from './support.ts';

const MIN = 60_000;

/**
 * The store keeps every yard record from the last snapshot on (a restart replays them), so a yard
 * with fewer changes than `snapshotEvery` within the store's retention held its records past it:
 * the real-time soak's store grew for that reason alone (docs/operations.md). With
 * `snapshotAfterMs` the yard writes a snapshot once what it holds goes back that far.
 */
describe('a snapshot once the records held for a restart are old', () => {
  it('is written when the held records reach snapshotAfterMs, and the hold moves up to it', async () => {
    const kept: number[] = [];
    const h = startYard({
      snapshotAfterMs: 15 * MIN,
      summaryEveryMs: MIN,
      keepFrom: (seq) => kept.push(seq),
    });
    expect(kept).toEqual([1]); // an empty store: everything from the first record
    const r = await h.yard.assign({ plate: 'A-1', zoneKind: 'parking', arrived: true, reason: 'r' }, staff);
    expect(r.ok).toBe(true);
    await h.clock.advance(14 * MIN);
    await h.yard.settle();
    expect(h.log.ofType('snapshot')).toHaveLength(0);
    await h.clock.advance(1 * MIN);
    await h.yard.settle();
    const parts = h.log.ofType('snapshot');
    expect(parts.length).toBeGreaterThan(0);
    expect(kept.at(-1)).toBe(parts[0]?.seq);
    // A restart from the store still finds the truck, from the snapshot.
    expect(
      h
        .restart()
        .views()
        .find((v) => v.truck?.plate === 'A-1')?.state,
    ).toBe('occupied');
  });

  it('is not written while nothing changed, however long, nor without the option', async () => {
    const quiet = startYard({ snapshotAfterMs: 15 * MIN, summaryEveryMs: MIN });
    await quiet.clock.advance(120 * MIN);
    await quiet.yard.settle();
    expect(quiet.log.ofType('snapshot')).toHaveLength(0);

    const off = startYard({ summaryEveryMs: MIN });
    await off.yard.assign({ plate: 'A-2', zoneKind: 'parking', arrived: true, reason: 'r' }, staff);
    await off.clock.advance(600 * MIN);
    await off.yard.settle();
    expect(off.log.ofType('snapshot')).toHaveLength(0);
  });

  it('after a restart that replayed records (a crash before the stop snapshot), at the first check', async () => {
    const h = startYard({ summaryEveryMs: MIN });
    await h.yard.assign({ plate: 'A-3', zoneKind: 'parking', arrived: true, reason: 'r' }, staff);
    await h.yard.settle();
    // No stop (no stop snapshot): the next start replays the assignment and cannot tell its age.
    const withLimit = startYard(
      { snapshotAfterMs: 15 * MIN, summaryEveryMs: MIN, writer: h.log, reader: h.log },
      h.clock,
    );
    expect(withLimit.yard.views().some((v) => v.truck?.plate === 'A-3')).toBe(true);
    expect(h.log.ofType('snapshot')).toHaveLength(0);
    await h.clock.advance(MIN);
    await withLimit.yard.settle();
    expect(h.log.ofType('snapshot').length).toBeGreaterThan(0);
  });
});
