import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { Ledger } from '../../gateway/store/ledger.ts';
import { startYardStack } from './stack.ts';

/** The yard and its ledger know a vehicle by its plate and the plate's colour. */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('a vehicle is its plate and its colour', () => {
  it('a yellow and a blue plate of the same number are two trucks; the same colour again is the same truck', async () => {
    const s = await startYardStack({ clock: new ManualClock(Date.UTC(2026, 11, 6, 8)) });
    cleanup.push(() => s.stop());
    const reserve = (transitId: string, plateColour?: 'yellow' | 'blue') =>
      s.yard.reserve({
        zoneKind: 'parking',
        plate: '晋D12345',
        ...(plateColour ? { plateColour } : {}),
        lane: 'east-1',
        transitId,
        reason: 'no-recent-test',
      });
    const yellow = await reserve('t-1', 'yellow');
    expect(yellow).toMatchObject({ ok: true });
    expect(await reserve('t-2', 'blue')).toMatchObject({ ok: true });
    expect(await reserve('t-3', 'yellow')).toMatchObject({ ok: false, reason: 'already-in-yard' });
    // A plate read without its colour (a pass names none) is one of them: not let in twice.
    expect(await reserve('t-4')).toMatchObject({ ok: false, reason: 'already-in-yard' });
    await s.yard.settle();
    const ledger = new Ledger(s.db);
    expect(ledger.byPlate('晋D12345', 'yellow').map((e) => [e.transitId, e.plateColour])).toEqual([
      ['t-1', 'yellow'],
    ]);
    expect(ledger.byPlate('晋D12345').map((e) => e.plateColour)).toEqual(['yellow', 'blue']);
  });
});
