import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, LedgerEntrySchema } from '../../gateway/store/ledger.ts';
import { MIGRATIONS, migrate } from '../../gateway/store/migrations.ts';
import { scrubPersonalData } from '../../gateway/store/personal-data.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

const setup = () => memoryStorage(Date.UTC(2026, 11, 6, 8, 0, 0), cleanup);

const reason = (code: string, outcome: string) => ({ code, outcome, detail: code });
const T1 = '0195f0a2-0000-7000-8000-000000000001';
const T2 = '0195f0a2-0000-7000-8000-000000000002';

/** A crew's decision record as a lane writes it (lane-records.ts). */
function crewDecision(transitId: string, plate: string, plateColour?: string) {
  return {
    lane: 'east-1',
    transitId,
    outcome: 'ISOLATE',
    reasons: [reason('pass-red', 'ISOLATE'), reason('recent-negative-test', 'PASS')],
    by: 'rules',
    plate,
    ...(plateColour ? { plateColour } : {}),
    trailerPlate: '晋D1234挂',
    temperatureC: 36.8,
    manual: { plate, name: 'Li Si', idNumber: '****1234' },
    persons: [
      {
        seat: 1,
        role: 'driver',
        outcome: 'PASS',
        reasons: [reason('recent-negative-test', 'PASS')],
        temperatureC: 36.5,
        manual: { plate, name: 'Li Si', idNumber: '****1234' },
      },
      {
        seat: 2,
        role: 'co-driver',
        outcome: 'ISOLATE',
        reasons: [reason('pass-red', 'ISOLATE')],
        temperatureC: 36.8,
        pass: {
          kind: 'GP1',
          valid: true,
          steps: {},
          reasons: [],
          tests: [],
          subject: 'holder-2',
          color: 'red',
        },
      },
    ],
  };
}

describe('the ledger: crews and vehicles', () => {
  it('keeps every person of a crew, and is keyed by plate and colour', async () => {
    const { store, storage } = setup();
    await store.append('lane/east-1', 'transit-start', {
      lane: 'east-1',
      transitId: T1,
      trigger: 'loop',
      tailgate: false,
    });
    await store.append('lane/east-1', 'decision', crewDecision(T1, '晋D12345', 'yellow'));
    await store.append('lane/east-1', 'transit-start', {
      lane: 'east-1',
      transitId: T2,
      trigger: 'loop',
      tailgate: false,
    });
    await store.append('lane/east-1', 'decision', crewDecision(T2, '晋D12345', 'blue'));

    const [entry] = storage.ledger.byPlate('晋d 12345', 'yellow');
    expect(storage.ledger.byPlate('晋D12345', 'yellow')).toHaveLength(1); // the blue one is another vehicle
    expect(storage.ledger.byPlate('晋D12345')).toHaveLength(2); // colour not given: both
    expect(storage.ledger.byPlate('晋D12345', 'gradient-green')).toHaveLength(0);
    expect(LedgerEntrySchema.parse(entry)).toMatchObject({
      plate: '晋D12345',
      plateColour: 'yellow',
      trailerPlate: '晋D1234挂',
      decision: 'ISOLATE',
      persons: [
        {
          seat: 1,
          role: 'driver',
          personName: 'Li Si',
          idNumber: '****1234',
          outcome: 'PASS',
          temperatureC: 36.5,
        },
        {
          seat: 2,
          role: 'co-driver',
          subject: 'holder-2',
          outcome: 'ISOLATE',
          reasons: ['pass-red'],
          temperatureC: 36.8,
        },
      ],
    });
  });

  it('an entry whose colour is not known (a pass names none) is found under any colour', async () => {
    const { store, storage } = setup();
    await store.append('lane/east-1', 'transit-start', {
      lane: 'east-1',
      transitId: T1,
      trigger: 'loop',
      tailgate: false,
    });
    await store.append('lane/east-1', 'decision', crewDecision(T1, '晋D777'));
    expect(storage.ledger.byPlate('晋D777', 'blue')).toHaveLength(1);
  });

  it('a store written before crews migrates, and its entries still read (the driver as the one person)', () => {
    const db = new BetterSqlite3(':memory:');
    cleanup.push(() => db.close());
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    db.prepare(
      `INSERT INTO ledger (entry_id, transit_id, plate, plate_key, driver_name, driver_id_number, arrived_at,
         decision, reasons, temperature_c, updated_at)
       VALUES ('t-old', 't-old', '晋D1', '晋D1', 'Wang Wei', '****0001', 1, 'PASS', '["recent-negative-test"]', 36.4, 1)`,
    ).run();
    expect(migrate(db)).toBe(MIGRATIONS.at(-1)?.version);
    const [old] = new Ledger(db).byPlate('晋D1', 'yellow');
    expect(old).toMatchObject({
      plate: '晋D1',
      driver: { name: 'Wang Wei' },
      persons: [{ seat: 1, role: 'driver', personName: 'Wang Wei', outcome: 'PASS', temperatureC: 36.4 }],
    });
    expect(old?.plateColour).toBeUndefined();
  });

  it("each person's name, ID number and holder id are personal data (pseudonymised with the entry)", () => {
    const persons = crewDecision(T1, '晋D1').persons.map((p) => ({
      seat: p.seat,
      role: p.role,
      personName: p.manual?.name,
      idNumber: p.manual?.idNumber,
      subject: p.pass?.subject,
    }));
    const scrubbed = scrubPersonalData(persons, (s) => `ps:${s.length}`) as typeof persons;
    expect(scrubbed.map((p) => [p.personName, p.idNumber, p.subject])).toEqual([
      ['ps:5', 'ps:8', undefined],
      [undefined, undefined, 'ps:8'],
    ]);
  });
});
