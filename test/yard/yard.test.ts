import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { laneRequest, smallYardConfig, staff, startYard } from './support.ts';

describe('reservations for the lanes', () => {
  it('reserves the bay nearest the gate, commits before it answers, and shows the truck on its way', async () => {
    const { yard, log } = startYard();
    const r = await yard.reserve(laneRequest('晋D10001'));
    expect(r).toMatchObject({ ok: true, bay: 'P-0001' });
    // Committed before the answer.
    expect(log.ofType('bay-reserved').map((x) => x.data)).toMatchObject([
      { bay: 'P-0001', visit: { plate: '晋D10001', lane: 'east-1', intent: 'yard' } },
    ]);
    expect(yard.view('P-0001')).toMatchObject({
      state: 'reserved',
      truck: { plate: '晋D10001', isolated: false },
    });
    const iso = await yard.reserve(laneRequest('晋D10002', 'isolation'));
    expect(iso).toMatchObject({ ok: true, bay: 'I-0001' });
  });

  it('two lanes asking for the last bay at once: one gets it, the other zone-full and an alert, no double booking', async () => {
    const { yard, log } = startYard({
      config: smallYardConfig({
        zones: [{ id: 'parking', name: 'Parking', kind: 'parking', bays: [{ prefix: 'P', from: 1, to: 2 }] }],
        baySensorBuses: [],
      }),
    });
    expect(await yard.reserve(laneRequest('A-1'))).toMatchObject({ ok: true, bay: 'P-0001' });
    log.hold(); // both decisions are made while neither is committed
    const east = yard.reserve({ ...laneRequest('A-2'), lane: 'east-1' });
    const west = yard.reserve({ ...laneRequest('A-3'), lane: 'west-1' });
    await new Promise((r) => setImmediate(r));
    // Both have decided; the last bay is still free in the committed state.
    expect(yard.view('P-0002')?.state).toBe('free');
    expect(log.ofType('bay-reserved')).toHaveLength(1);
    log.release();
    const results = await Promise.all([east, west]);
    const winners = results.filter((r) => r.ok);
    expect(winners).toEqual([expect.objectContaining({ ok: true, bay: 'P-0002' })]);
    expect(results.filter((r) => !r.ok)).toEqual([
      expect.objectContaining({ ok: false, reason: 'zone-full' }),
    ]);
    expect(log.ofType('bay-reserved').map((r) => (r.data as { bay: string }).bay)).toEqual([
      'P-0001',
      'P-0002',
    ]);
    expect(log.ofType('alert').map((r) => r.data)).toEqual([
      expect.objectContaining({ kind: 'zone-full', zoneKind: 'parking' }),
    ]);
    expect(yard.summary().zones.find((z) => z.id === 'parking')).toMatchObject({ full: true });
  });

  it('fifty concurrent requests for ten bays: ten distinct bays, forty zone-full, none booked twice', async () => {
    const { yard, log } = startYard();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => yard.reserve(laneRequest(`C-${i}`))),
    );
    const bays = results.flatMap((r) => (r.ok ? [r.bay] : []));
    expect(new Set(bays).size).toBe(10);
    expect(bays).toHaveLength(10);
    expect(results.filter((r) => !r.ok && r.reason === 'zone-full')).toHaveLength(40);
    expect(log.ofType('bay-reserved')).toHaveLength(10);
    expect(yard.summary().counts).toMatchObject({ reserved: 10, free: 5 });
  });

  it('fill-rows continues after the last bay it gave, even when a bay near the gate was freed', async () => {
    const { yard } = startYard({ config: smallYardConfig({ assignmentPolicy: 'fill-rows' }) });
    for (let i = 0; i < 3; i++) await yard.reserve(laneRequest(`F-${i}`));
    await yard.release('P-0001', 'left by the back gate', staff);
    expect(await yard.reserve(laneRequest('F-9'))).toMatchObject({ ok: true, bay: 'P-0004' });
    const nearest = startYard();
    for (let i = 0; i < 3; i++) await nearest.yard.reserve(laneRequest(`N-${i}`));
    await nearest.yard.release('P-0001', 'left', staff);
    expect(await nearest.yard.reserve(laneRequest('N-9'))).toMatchObject({ ok: true, bay: 'P-0001' });
  });

  it('a lane retrying the same transit gets the same bay; the same plate twice is refused', async () => {
    const { yard, log } = startYard();
    const req = laneRequest('晋D20000');
    const first = await yard.reserve(req);
    const again = await yard.reserve(req);
    expect(again).toEqual(first);
    expect(log.ofType('bay-reserved')).toHaveLength(1);
    const other = await yard.reserve({ ...laneRequest('晋d 20000') });
    expect(other).toMatchObject({ ok: false, reason: 'already-in-yard' });
  });

  it('the same truck asked for twice at once (plate written two ways) gets one bay', async () => {
    const { yard, log } = startYard();
    const results = await Promise.all([
      yard.reserve(laneRequest('晋D 5-5')),
      yard.reserve(laneRequest('晋d55')),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ reason: 'already-in-yard' })]);
    expect(log.ofType('bay-reserved')).toHaveLength(1);
  });

  it('refuses an invalid request and a yard without such a zone', async () => {
    const { yard } = startYard({
      config: smallYardConfig({
        zones: [
          { id: 'handover', name: 'Hand-over', kind: 'handover', bays: [{ prefix: 'H', from: 1, to: 2 }] },
        ],
        baySensorBuses: [],
      }),
    });
    expect(await yard.reserve({ ...laneRequest('X'), plate: 'X'.repeat(40) })).toMatchObject({
      ok: false,
      reason: 'invalid-request',
    });
    expect(await yard.reserve(laneRequest('Y'))).toMatchObject({ ok: false, reason: 'no-zone' });
  });

  it('a failed commit changes nothing and frees the bay for the next truck', async () => {
    const { yard, log } = startYard();
    log.fail(1);
    expect(await yard.reserve(laneRequest('S-1'))).toMatchObject({ ok: false, reason: 'store-failed' });
    expect(yard.view('P-0001')).toMatchObject({ state: 'free' });
    expect(yard.summary().trucks).toBe(0);
    expect(await yard.reserve(laneRequest('S-1'))).toMatchObject({ ok: true, bay: 'P-0001' });
  });
});

describe('illegal transitions are refused with a reason, and nothing changes', () => {
  it('each refusal leaves the bays and the store as they were', async () => {
    const { yard, log } = startYard();
    await yard.reserve(laneRequest('L-1')); // P-0001 reserved
    await yard.block('P-0003', 'maintenance', 'pothole', staff);
    const attempts = [
      () => yard.sample('P-0001', 'antigen', staff), // not arrived
      () => yard.result('P-0001', { result: 'negative' }, staff), // no sample
      () => yard.block('P-0001', 'disinfection', undefined, staff), // a truck holds it
      () => yard.unblock('P-0002', staff), // not blocked
      () => yard.arrive('P-0002', staff), // free
      () => yard.release('P-0003', 'x', staff), // blocked, no truck
      () => yard.move({ from: 'P-0001', to: 'P-0003' }, staff), // into a blocked bay
      () => yard.move({ from: 'P-0002', to: 'P-0004' }, staff), // nothing to move
      () =>
        yard.assign({ plate: 'L-2', zoneKind: 'parking', bay: 'P-0001', arrived: false, reason: 'x' }, staff),
      () => yard.sample('Z-0001', 'pcr', staff), // no such bay
    ];
    const before = { views: yard.views(), records: log.records.length };
    for (const attempt of attempts) {
      const r = await attempt();
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect([ErrorCode.IllegalTransition, ErrorCode.NotFound]).toContain(r.code);
        expect(r.reason).toMatch(/^[a-z-]+$/);
      }
      expect(yard.views()).toEqual(before.views);
      expect(log.records.length).toBe(before.records);
    }
    expect(await yard.result('P-0001', { result: 'negative' }, staff)).toMatchObject({
      reason: 'no-such-sample',
    });
    expect(await yard.block('P-0001', 'disinfection', undefined, staff)).toMatchObject({
      reason: 'not-free',
    });
  });
});

describe('changes and snapshots', () => {
  it('a snapshot asked for while a coordinator assigns a given bay: both finish (no deadlock)', async () => {
    const { yard, log } = startYard();
    const assigned = yard.assign(
      { plate: 'D-1', zoneKind: 'parking', bay: 'P-0004', arrived: false, reason: 'x' },
      staff,
    );
    const snapshot = yard.snapshot(); // queued while the assignment holds its keys
    const outcome = await Promise.race([
      Promise.all([assigned, snapshot]).then(() => 'done'),
      new Promise((r) => setTimeout(() => r('stuck'), 2000)),
    ]);
    expect(outcome).toBe('done');
    expect(await assigned).toMatchObject({ ok: true, bays: [{ bay: 'P-0004', state: 'reserved' }] });
    expect(log.ofType('snapshot').length).toBeGreaterThan(0);
  });
});

describe('coordinator actions', () => {
  it('assign a hand-over bay with the truck already there, move it, release it', async () => {
    const { yard, log } = startYard();
    const a = await yard.assign(
      { plate: 'H-1', zoneKind: 'handover', arrived: true, reason: 'cargo transfer' },
      staff,
    );
    expect(a).toMatchObject({
      ok: true,
      bays: [{ bay: 'H-0001', state: 'occupied', truck: { intent: 'coordinator' } }],
    });
    const moved = await yard.move({ from: 'H-0001', to: 'H-0002', reason: 'crane' }, staff);
    expect(moved).toMatchObject({
      ok: true,
      bays: [
        { bay: 'H-0001', state: 'free' },
        { bay: 'H-0002', state: 'occupied' },
      ],
    });
    expect(yard.view('H-0002')?.truck?.plate).toBe('H-1');
    const released = await yard.release('H-0002', 'transfer done', staff);
    expect(released).toMatchObject({ ok: true, bays: [{ bay: 'H-0002', state: 'free' }] });
    expect(log.ofType('bay-released')[0]?.data).toMatchObject({
      by: { kind: 'staff', id: 'S-17', transaction: 't-1' },
    });
  });
});
