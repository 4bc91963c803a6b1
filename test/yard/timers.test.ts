import { describe, expect, it } from 'vitest';
import { smallYardConfig, staff, startYard } from './support.ts';

const MIN = 60_000;

async function truckInBay(h: ReturnType<typeof startYard>, plate: string) {
  const r = await h.yard.assign({ plate, zoneKind: 'parking', arrived: true, reason: 'test' }, staff);
  if (!r.ok) throw new Error(r.message);
  const bay = r.bays[0]?.bay;
  if (!bay) throw new Error('no bay');
  return bay;
}

describe('reservation timeout', () => {
  it('a reservation not taken up within reservationTimeoutMin is released with an event', async () => {
    const h = startYard({ config: smallYardConfig({ reservationTimeoutMin: 20 }) });
    const r = await h.yard.reserve({
      zoneKind: 'parking',
      plate: 'R-1',
      lane: 'east-1',
      transitId: 't-r1',
      reason: 'yard',
    });
    expect(r).toMatchObject({ ok: true, bay: 'P-0001' });
    expect(h.yard.view('P-0001')?.truck?.expiresAt).toBe(h.clock.now() + 20 * MIN);
    await h.clock.advance(20 * MIN - 1);
    expect(h.yard.view('P-0001')?.state).toBe('reserved');
    await h.clock.advance(1);
    expect(h.yard.view('P-0001')).toMatchObject({ state: 'free' });
    expect(h.log.ofType('reservation-expired').map((x) => x.data)).toEqual([
      expect.objectContaining({ bay: 'P-0001', by: { kind: 'timer' } }),
    ]);
    expect(h.yard.checkExit('R-1')).toMatchObject({ allowed: false, reason: 'not-in-yard' });
  });

  it('an arrival in time cancels the timeout', async () => {
    const h = startYard();
    await h.yard.reserve({
      zoneKind: 'parking',
      plate: 'R-2',
      lane: 'east-1',
      transitId: 't-r2',
      reason: 'yard',
    });
    await h.clock.advance(5 * MIN);
    await h.yard.arrive('P-0001', staff);
    await h.clock.advance(h.options.config.reservationTimeoutMin * MIN);
    expect(h.yard.view('P-0001')?.state).toBe('occupied');
    expect(h.log.ofType('reservation-expired')).toHaveLength(0);
  });
});

describe('tests in the yard', () => {
  it('antigen result due after antigenResultMin: overdue then raises an alert; the bay shows it', async () => {
    const h = startYard({ config: smallYardConfig({ antigenResultMin: 15 }) });
    const bay = await truckInBay(h, 'T-1');
    const s = await h.yard.sample(bay, 'antigen', staff);
    expect(s).toMatchObject({
      ok: true,
      sample: { kind: 'antigen', dueAt: h.clock.now() + 15 * MIN, overdue: false },
    });
    expect(h.yard.view(bay)?.state).toBe('sampled');
    expect(h.yard.checkExit('T-1')).toMatchObject({
      allowed: false,
      reason: 'awaiting-result',
      dueAt: h.clock.now() + 15 * MIN,
    });
    await h.clock.advance(15 * MIN - 1);
    expect(h.log.ofType('result-overdue')).toHaveLength(0);
    await h.clock.advance(1);
    expect(h.yard.view(bay)).toMatchObject({ state: 'overdue', truck: { samples: [{ overdue: true }] } });
    expect(h.log.ofType('alert').map((a) => a.data)).toEqual([
      expect.objectContaining({ kind: 'result-overdue', bay, plate: 'T-1' }),
    ]);
    expect(h.yard.summary()).toMatchObject({ overdue: 1, awaiting: 1 });
    expect(h.yard.checkExit('T-1')).toMatchObject({ allowed: false, reason: 'result-overdue' });
  });

  it('PCR result due after pcrResultMin (6 h by default)', async () => {
    const h = startYard();
    const bay = await truckInBay(h, 'T-2');
    await h.yard.sample(bay, 'pcr', staff);
    await h.clock.advance(h.options.config.pcrResultMin * MIN - 1);
    expect(h.yard.view(bay)?.state).toBe('sampled');
    await h.clock.advance(1);
    expect(h.yard.view(bay)?.state).toBe('overdue');
    expect(h.options.config.pcrResultMin).toBe(360);
  });

  it('a negative result clears the truck, which may then leave; its bay is freed', async () => {
    const h = startYard();
    const bay = await truckInBay(h, 'T-3');
    await h.yard.sample(bay, 'antigen', staff);
    await h.clock.advance(10 * MIN);
    const r = await h.yard.result(bay, { result: 'negative' }, staff);
    expect(r).toMatchObject({
      ok: true,
      bays: [{ state: 'cleared', truck: { samples: [{ result: 'negative' }] } }],
    });
    await h.clock.advance(60 * MIN);
    expect(h.log.ofType('result-overdue')).toHaveLength(0); // the timer was cancelled
    expect(h.yard.checkExit('T-3')).toMatchObject({ allowed: true, bay });
    expect(await h.yard.exit({ plate: 'T-3', lane: 'yard-exit' })).toMatchObject({ allowed: true, bay });
    expect(h.yard.view(bay)?.state).toBe('free');
    expect(h.yard.checkExit('T-3')).toMatchObject({ allowed: false, reason: 'not-in-yard' });
  });

  it('a positive result isolates the truck, alerts with an isolation bay, and a move takes it there', async () => {
    const h = startYard();
    const bay = await truckInBay(h, 'T-4');
    await h.yard.sample(bay, 'antigen', staff);
    await h.yard.sample(bay, 'pcr', staff);
    const r = await h.yard.result(bay, { kind: 'antigen', result: 'positive' }, staff);
    expect(r).toMatchObject({ ok: true, bays: [{ state: 'isolation', truck: { isolated: true } }] });
    expect(h.log.ofType('alert').map((a) => a.data)).toEqual([
      expect.objectContaining({ kind: 'positive-result', bay, suggestedBay: 'I-0001' }),
    ]);
    expect(h.yard.checkExit('T-4')).toMatchObject({ allowed: false, reason: 'isolation' });
    const moved = await h.yard.move({ from: bay }, staff);
    expect(moved).toMatchObject({
      ok: true,
      bays: [
        { bay, state: 'blocked', block: { reason: 'disinfection' } },
        { bay: 'I-0001', state: 'isolation' },
      ],
    });
    // The PCR sample is still pending; it came along.
    expect(h.yard.view('I-0001')?.truck?.samples.filter((s) => !s.result)).toHaveLength(1);
    const released = await h.yard.release('I-0001', 'taken to hospital', staff);
    expect(released).toMatchObject({
      ok: true,
      bays: [{ state: 'blocked', block: { reason: 'disinfection' } }],
    });
    expect(await h.yard.unblock('I-0001', staff)).toMatchObject({ ok: true, bays: [{ state: 'free' }] });
  });

  it('an ISOLATE truck arriving in its isolation bay is in isolation', async () => {
    const h = startYard();
    await h.yard.reserve({
      zoneKind: 'isolation',
      plate: 'F-1',
      lane: 'west-1',
      transitId: 't-f1',
      reason: 'fever',
    });
    const r = await h.yard.arrive('I-0001', staff);
    expect(r).toMatchObject({
      ok: true,
      bays: [{ state: 'isolation', truck: { intent: 'isolate', isolated: true } }],
    });
  });
});
