import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crew, CrewMember } from '../../gateway/lanes/crew.ts';
import { combine, personDecision, rulesDecision } from '../../gateway/lanes/crew-decision.ts';
import { OUTCOMES, type Outcome, worse } from '../../gateway/lanes/decision-schema.ts';
import type { TemperatureReading } from '../../gateway/lanes/temperature-reading.ts';
import { Transit } from '../../gateway/lanes/transit.ts';
import { passReplayKey } from '../../gateway/passes/replay-key.ts';
import { DecisionRulesSchema } from '../../site-config/schema.ts';
import { lane, verdictFor } from './lane-harness.ts';

/** A screening reading, as the lane's thermometer gives one. */
const screening = (valueC: number): TemperatureReading => ({
  valueC,
  method: 'screening',
  at: 0,
  ambientC: 22,
});

const rules = DecisionRulesSchema.parse({});
const NOW = Date.UTC(2026, 11, 6, 10);
const CODES = ['CREW-green-1', 'CREW-green-2', 'CREW-yellow-3', 'CREW-red-4', 'FORGED', 'GREEN', 'JUNK'];

describe('a crew: every person in the cab, each with their own pass and temperature', () => {
  it('the same pass again, however often and in whatever order, is not a second person', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CODES), { maxLength: 30 }), (scans) => {
        const crew = new Crew();
        for (const code of scans) crew.forPass(passReplayKey(code));
        expect(crew.size).toBe(new Set(scans).size);
        // Seats in the order each pass first came, the driver first.
        expect(crew.members.map((m) => m.passKey)).toEqual([...new Set(scans)].map(passReplayKey));
        expect(crew.members.map((m) => m.seat)).toEqual(crew.members.map((_, i) => i + 1));
      }),
    );
  });

  it("the transit's outcome is the worst over its persons, and every person's reasons are kept", () => {
    const person = fc.record({
      code: fc.option(fc.constantFrom(...CODES), { nil: undefined }),
      temperatureC: fc.option(fc.double({ min: 35, max: 37.2, noNaN: true }), { nil: undefined }),
      replayed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(person, { minLength: 1, maxLength: 4 }), fc.boolean(), (people, thermometer) => {
        const t = new Transit('01a20244-e800-7000-8000-000000000001', NOW, false);
        for (const [i, p] of people.entries()) {
          const m = t.crew.forPass(`key-${i}`)?.member as CrewMember;
          if (p.code) m.verdict = verdictFor(p.code, NOW);
          if (p.temperatureC !== undefined) m.measured(screening(p.temperatureC));
          m.replayed = p.replayed;
        }
        const d = rulesDecision(t, rules, NOW, thermometer);
        const own = t.crew.members.map((m) => personDecision(m, rules, NOW, thermometer));
        expect(d.outcome).toBe(own.reduce<Outcome>((o, x) => worse(o, x.outcome), 'PASS'));
        expect(d.reasons).toHaveLength(own.reduce((n, x) => n + x.reasons.length, 0));
        expect([...d.persons.values()].map((x) => x.outcome)).toEqual(own.map((x) => x.outcome));
        // Deciding ones first.
        const ranks = d.reasons.map((r) => OUTCOMES.indexOf(r.outcome));
        expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
      }),
    );
  });

  it('combine: one ISOLATE among any number of PASS persons is ISOLATE, and says whose it is', () => {
    const pass = {
      outcome: 'PASS' as const,
      reasons: [{ code: 'recent-negative-test' as const, outcome: 'PASS' as const, detail: 'ok' }],
    };
    const red = {
      outcome: 'ISOLATE' as const,
      reasons: [{ code: 'pass-red' as const, outcome: 'ISOLATE' as const, detail: 'the pass is red' }],
    };
    const d = combine([
      [new CrewMember(1), pass],
      [new CrewMember(2), red],
    ]);
    expect(d.outcome).toBe('ISOLATE');
    expect(d.reasons[0]).toEqual({
      code: 'pass-red',
      outcome: 'ISOLATE',
      detail: 'co-driver 2: the pass is red',
    });
  });

  it('a reading goes to the person scanned most recently who has none; one taken first waits for the next person', () => {
    const crew = new Crew();
    crew.reading(screening(36.4)); // before anyone showed a pass: waits
    expect(crew.readingWaiting).toBe(true);
    const a = crew.forPass('a')?.member as CrewMember;
    expect(a.temperatureC).toBe(36.4);
    const b = crew.forPass('b')?.member as CrewMember;
    const c = crew.forPass('c')?.member as CrewMember;
    crew.reading(screening(36.8)); // c was scanned last
    crew.reading(screening(36.6)); // then b
    expect([a.temperatureC, b.temperatureC, c.temperatureC]).toEqual([36.4, 36.6, 36.8]);
    crew.reading(screening(38.0)); // everyone has one: waits for a next person...
    expect(crew.complete(true)).toBe(false);
    crew.settle(); // ...and at the decision goes to the last one: a fever is never dropped
    expect(c.temperatureC).toBe(38.0);
    expect(crew.readingWaiting).toBe(false);
  });

  it('a registration goes to the person with neither pass nor registration, else it adds one', () => {
    const crew = new Crew();
    crew.reading(screening(36.5));
    crew.settle(); // nobody scanned: the reading is a person of its own
    const reg = { plate: '冀A55555', name: '李四', idNumber: '130102198001011234' };
    expect(crew.forRegistration(reg).seat).toBe(1);
    crew.members[0]!.manual = reg;
    expect(crew.forRegistration(reg).seat).toBe(1); // the same person again
    expect(crew.forRegistration({ ...reg, idNumber: '130102198001019999' }).seat).toBe(2);
  });
});

describe('a crew at the lane', () => {
  it('a two-person cab with one red pass is ISOLATE; the record, the state and the verifications name each person', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('CREW-green-1');
    l.drive.measure(36.5);
    await l.controller.idle();
    // The driver alone is complete: the lane decides, the co-driver comes late while the truck is on the loop.
    expect(l.decision()?.outcome).toBe('PASS');
    l.drive.scan('CREW-red-2');
    l.drive.measure(36.7);
    l.drive.scan('CREW-red-2'); // the same pass again: no third person
    await l.controller.idle();
    const d = l.lastDecision();
    expect(d.outcome).toBe('ISOLATE');
    expect(d.persons.map((p: any) => [p.seat, p.role, p.outcome, p.temperatureC])).toEqual([
      [1, 'driver', 'PASS', 36.5],
      [2, 'co-driver', 'ISOLATE', 36.7],
    ]);
    expect(d.persons[1].pass.subject).toBe('holder-2');
    expect(l.of('verification').map((v) => v.seat)).toEqual([1, 2]);
    expect(l.alarms()).toContain('isolate');
    expect(l.of('transit-start')).toHaveLength(1);
    const persons = l.controller.state().transit?.persons;
    expect(persons?.map((p) => [p.role, p.outcome])).toEqual([
      ['driver', 'PASS'],
      ['co-driver', 'ISOLATE'],
    ]);
  });

  it('a crew scanned before its readings is decided when every person has a temperature', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('CREW-green-1');
    l.drive.scan('CREW-yellow-2');
    l.drive.measure(36.6);
    await l.controller.idle();
    expect(l.decision()).toBeUndefined(); // the driver has no reading yet
    l.drive.measure(36.4);
    await l.controller.idle();
    const d = l.decision();
    expect(d.outcome).toBe(rules.yellow); // the yellow pass
    expect(d.persons.map((p: any) => p.temperatureC)).toEqual([36.4, 36.6]);
    expect(d.temperatureC).toBe(36.6); // the highest of the crew
  });
});
