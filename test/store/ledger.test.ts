import { afterEach, describe, expect, it } from 'vitest';
import { LedgerEntrySchema, plateKey } from '../../gateway/store/ledger.ts';
import { LEDGER_RECORD_TYPES } from '../../gateway/store/ledger-projection.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

const setup = () => memoryStorage(Date.UTC(2026, 10, 22, 8, 0, 0), cleanup);

const T1 = '0195f0a2-0000-7000-8000-000000000001';
const by = { kind: 'lane', id: 'east-1' };

describe('the ledger', () => {
  it('follows one truck from the lane through the yard to its departure', async () => {
    const { storage, at, clock } = setup();
    const t0 = clock.now();
    await at(0, 'lane/east-1', 'transit-start', {
      lane: 'east-1',
      transitId: T1,
      trigger: 'loop',
      tailgate: false,
    });
    await at(1, 'lane/east-1', 'decision', {
      lane: 'east-1',
      transitId: T1,
      outcome: 'YARD',
      reasons: [{ code: 'pass-yellow', outcome: 'YARD', detail: 'yellow code' }],
      by: 'rules',
      plate: '晋D 12345',
      temperatureC: 36.6,
      pass: { kind: 'HC1', valid: true, steps: {}, reasons: [], subject: 'holder-77', tests: [] },
      manual: {
        plate: '晋D 12345',
        name: 'Zhang San',
        idNumber: '****1234',
        origin: 'Taiyuan',
        destination: 'Beijing',
      },
      bay: 'P-0001',
    });
    await at(0, 'lane/east-1', 'transit-end', {
      lane: 'east-1',
      transitId: T1,
      end: 'cleared',
      durationMs: 70_000,
    });
    await at(0, 'yard', 'bay-reserved', {
      bay: 'P-0001',
      visit: {
        id: 'V1',
        plate: '晋D 12345',
        subject: 'holder-77',
        lane: 'east-1',
        transitId: T1,
        reason: 'yellow',
        intent: 'yard',
      },
      expiresAt: clock.now() + 1_800_000,
      by,
    });
    await at(3, 'yard', 'truck-arrived', { bay: 'P-0001', visitId: 'V1', by });
    await at(5, 'yard', 'sample-recorded', {
      bay: 'P-0001',
      visitId: 'V1',
      sampleId: 'S1',
      kind: 'antigen',
      dueAt: clock.now() + 900_000,
      by,
    });
    await at(15, 'yard', 'result-recorded', {
      bay: 'P-0001',
      visitId: 'V1',
      sampleId: 'S1',
      kind: 'antigen',
      result: 'negative',
      by,
    });
    await at(1, 'yard', 'truck-moved', { from: 'P-0001', to: 'P-0002', visitId: 'V1', by });
    await at(10, 'yard', 'truck-exited', { bay: 'P-0002', visitId: 'V1', lane: 'exit-1', by });

    const [entry, ...rest] = storage.ledger.byPlate('晋d-12345');
    expect(rest).toEqual([]);
    expect(LedgerEntrySchema.parse(entry)).toEqual({
      entryId: T1,
      transitId: T1,
      visitId: 'V1',
      lane: 'east-1',
      plate: '晋D 12345',
      driver: { name: 'Zhang San', idNumber: '****1234', subject: 'holder-77' },
      // A decision written before crews: its driver is the one person.
      persons: [
        {
          seat: 1,
          role: 'driver',
          personName: 'Zhang San',
          idNumber: '****1234',
          subject: 'holder-77',
          outcome: 'YARD',
          reasons: ['pass-yellow'],
          temperatureC: 36.6,
        },
      ],
      personalData: 'kept',
      origin: 'Taiyuan',
      destination: 'Beijing',
      arrivedAt: t0,
      decidedAt: t0 + 60_000,
      decision: 'YARD',
      decidedBy: 'rules',
      reasons: ['pass-yellow'],
      temperatureC: 36.6,
      laneEnd: 'cleared',
      laneClearedAt: t0 + 60_000,
      bay: 'P-0002',
      yardArrivedAt: t0 + 4 * 60_000,
      tests: [
        {
          id: 'S1',
          kind: 'antigen',
          sampledAt: t0 + 9 * 60_000,
          dueAt: t0 + 19 * 60_000, // computed before the clock moved to the sampling
          result: 'negative',
          resultAt: t0 + 24 * 60_000,
        },
      ],
      departedAt: t0 + 35 * 60_000,
      updatedAt: t0 + 35 * 60_000,
    });
  });

  it('is queryable by time, keeps visits without a transit, and skips records that do not fit', async () => {
    const { storage, store, at, clock } = setup();
    const t0 = clock.now();
    for (let i = 0; i < 5; i++) {
      await at(60, 'lane/west-1', 'transit-start', { lane: 'west-1', transitId: `t-${i}` });
      await at(0, 'lane/west-1', 'decision', {
        lane: 'west-1',
        transitId: `t-${i}`,
        outcome: 'PASS',
        plate: `AB${i}`,
      });
    }
    await at(1, 'yard', 'bay-reserved', {
      bay: 'I-0001',
      visit: { id: 'V9', plate: 'XY 999', intent: 'coordinator' },
      by,
    });
    await at(1, 'yard', 'sample-recorded', { bay: 'I-0001', visitId: 'V9', sampleId: 'S9', kind: 'pcr', by });
    const bad = await at(1, 'lane/west-1', 'decision', { lane: 'west-1', transitId: 't-x' }); // no outcome

    expect(
      storage.ledger.between(t0 + 2 * 3_600_000, t0 + 4 * 3_600_000 + 1).map((e) => e.transitId),
    ).toEqual(['t-1', 't-2', 't-3']);
    expect(storage.ledger.byPlate('ab3')[0]?.decision).toBe('PASS');
    expect(storage.ledger.get('visit:V9')).toMatchObject({
      visitId: 'V9',
      plate: 'XY 999',
      tests: [{ id: 'S9', kind: 'pcr' }],
    });
    expect(storage.ledger.get('t-x')).toBeUndefined();
    expect(store.get(bad.id)?.type).toBe('decision'); // the record itself is kept
    expect(storage.ledgerProjection.skipped).toBe(1);
  });

  it('normalises plates and names the record types it reads', () => {
    expect(plateKey(' ab-12.345 ')).toBe('AB12345');
    expect(LEDGER_RECORD_TYPES).toEqual(
      expect.arrayContaining([
        'transit-start',
        'decision',
        'transit-end',
        'bay-reserved',
        'result-recorded',
        'truck-exited',
      ]),
    );
  });
});
