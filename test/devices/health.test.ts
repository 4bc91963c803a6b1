import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import {
  HEALTH_RULES,
  HealthCell,
  type HealthChange,
  type HealthRule,
  type HealthSample,
} from '../../devices/health.ts';

interface Run {
  changes: (HealthChange & { at: number })[];
  cell: HealthCell;
  clock: ManualClock;
}

/** Feeds `samples` one every `periodMs` of wire time, as a polling driver would. */
async function feed(rule: HealthRule, samples: HealthSample[], periodMs: number): Promise<Run> {
  const clock = new ManualClock();
  const changes: Run['changes'] = [];
  const cell = new HealthCell({
    rule,
    wire: clock,
    onChange: (c) => changes.push({ ...c, at: clock.now() }),
  });
  for (const s of samples) {
    await clock.advance(periodMs);
    cell.sample(s, s);
  }
  return { changes, cell, clock };
}

/** Most changes in any span of `spanMs`. */
function mostChangesWithin(changes: { at: number }[], spanMs: number): number {
  let most = 0;
  for (let i = 0; i < changes.length; i++) {
    let n = 0;
    for (let j = i; j < changes.length && (changes[j]?.at ?? 0) - (changes[i]?.at ?? 0) < spanMs; j++) n++;
    most = Math.max(most, n);
  }
  return most;
}

const POLLED = [
  ['thermometer', HEALTH_RULES.thermometer, 200],
  ['serial barrier', HEALTH_RULES.serialBarrier, 1000],
  ['bay bus', HEALTH_RULES.bayBus, 2500],
] as const;

const sampleArb = fc.constantFrom<HealthSample>('good', 'poor', 'noise', 'silent');

describe('HealthCell: the one debounce rule', () => {
  for (const [name, rule, period] of POLLED) {
    describe(name, () => {
      it('alternating good/bad answers never go offline and change at most twice (up, then degraded)', async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom<HealthSample>('noise', 'silent', 'poor'), async (bad) => {
            const samples = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 'good' : bad));
            const { changes, cell } = await feed(rule, samples, period);
            expect(changes.map((c) => c.state)).toEqual(['online', 'degraded']);
            expect(cell.state).toBe('degraded');
          }),
          { numRuns: 3 },
        );
      });

      it('any sequence: noise alone changes it at most twice per window, outages at most twice per silence bound', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(sampleArb, { minLength: 1, maxLength: 300 }), async (samples) => {
            const { changes } = await feed(rule, samples, period);
            // An offline spell needs offlineAfterMs (or N periods) without an answer, so at most
            // one offline/up pair per such span; degraded/online at most two per window.
            const offlineSpan = Math.max(rule.offlineAfterMs, rule.offlineAfterFailures * period);
            const bound = 2 + 2 * Math.ceil(rule.windowMs / offlineSpan) + 1;
            expect(mostChangesWithin(changes, rule.windowMs)).toBeLessThanOrEqual(bound);
            // Never the same state twice in a row.
            for (let i = 1; i < changes.length; i++)
              expect(changes[i]?.state).not.toBe(changes[i - 1]?.state);
          }),
          { numRuns: 60 },
        );
      });

      it('an outage goes from online straight to offline, not through degraded', async () => {
        const samples: HealthSample[] = [...Array(20).fill('good'), ...Array(200).fill('silent')];
        const { changes } = await feed(rule, samples, period);
        expect(changes.map((c) => c.state)).toEqual(['online', 'offline']);
      });

      it('a real outage is reported within max(N periods, the silence bound) of the last answer', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(sampleArb, { minLength: 1, maxLength: 120 }), async (prefix) => {
            const { changes, cell, clock } = await feed(rule, ['good', ...prefix, 'good'], period);
            const lastAnswer = clock.now();
            const bound = Math.max(rule.offlineAfterFailures * period, rule.offlineAfterMs + period);
            let at: number | undefined;
            for (let t = 0; t <= bound + period && at === undefined; t += period) {
              await clock.advance(period);
              cell.sample('silent', 'no reply');
              if (cell.state === 'offline') at = clock.now();
            }
            expect(at).toBeDefined();
            expect((at ?? 0) - lastAnswer).toBeLessThanOrEqual(bound);
            expect(changes.at(-1)?.state).toBe('offline');
            // and back after onlineAfterAnswers answers
            for (let i = 0; i < rule.onlineAfterAnswers; i++) {
              expect(cell.state).toBe('offline');
              await clock.advance(period);
              cell.sample('good', 'answer');
            }
            expect(cell.state).not.toBe('offline');
          }),
          { numRuns: 40 },
        );
      });
    });
  }

  it('thermometer at 50 % garbled replies for 90 s: degraded, never offline, no flapping (was 57 changes)', async () => {
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const samples = Array.from({ length: 450 }, (): HealthSample => (random() < 0.5 ? 'noise' : 'good'));
    const { changes, cell } = await feed(HEALTH_RULES.thermometer, samples, 200);
    expect(changes.map((c) => c.state)).toEqual(['online', 'degraded']);
    expect(cell.state).toBe('degraded');
    expect(cell.counts.noise + cell.counts.good).toBe(450);
  });

  it('a device fault degrades at once and clears at once; offline wins over it', async () => {
    const { cell, changes } = await feed(HEALTH_RULES.thermometer, ['good', 'good'], 200);
    cell.fault('sensor fault');
    expect(cell.state).toBe('degraded');
    cell.fault(undefined);
    expect(cell.state).toBe('online');
    cell.fault('sensor fault');
    cell.lost('port down');
    expect(cell.state).toBe('offline');
    cell.sample('good', 'answer');
    expect(cell.state).toBe('offline'); // 3 answers to come back after an outage
    cell.sample('good', 'answer');
    cell.sample('good', 'answer');
    expect(cell.state).toBe('degraded'); // the fault still stands
    expect(changes.map((c) => c.state)).toEqual([
      'online',
      'degraded',
      'online',
      'degraded',
      'offline',
      'degraded',
    ]);
  });

  it('a quiet device recovers from noisy by time alone (a scanner between trucks)', async () => {
    const clock = new ManualClock();
    const states: string[] = [];
    const cell = new HealthCell({
      rule: HEALTH_RULES.scanner,
      wire: clock,
      onChange: (c) => states.push(c.state),
    });
    cell.sample('good', 'port open');
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      cell.sample('noise', 'bad read');
    }
    expect(cell.state).toBe('degraded');
    await clock.advance(59_000);
    expect(cell.state).toBe('degraded');
    await clock.advance(3000);
    expect(cell.state).toBe('online');
    expect(states).toEqual(['online', 'degraded', 'online']);
    expect(clock.pending).toBe(0);
    // never offline for silence or noise
    for (let i = 0; i < 100; i++) cell.sample('noise', 'bad read');
    expect(cell.state).toBe('degraded');
    cell.dispose();
    expect(clock.pending).toBe(0);
  });
});
