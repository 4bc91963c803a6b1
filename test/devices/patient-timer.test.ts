import { describe, expect, it } from 'vitest';
import { PatientTimer } from '../../devices/patient-timer.ts';
import { stallableClock } from './support/stallable-clock.ts';

describe('PatientTimer', () => {
  it('fires on time when the event loop keeps up', async () => {
    const { clock, manual } = stallableClock();
    const t = new PatientTimer(clock);
    let fired = 0;
    t.start(() => fired++, 100);
    await manual.advance(99);
    expect(fired).toBe(0);
    await manual.advance(1);
    expect(fired).toBe(1);
    expect(t.armed).toBe(false);
  });

  it('waits a grace period once when it fires late, so bytes read meanwhile can cancel it', async () => {
    const { clock, manual, stallBy } = stallableClock();
    const t = new PatientTimer(clock, { lateMs: 30, graceMs: 20, retries: 1 });
    let fired = 0;
    t.start(() => fired++, 100);
    stallBy(200); // the loop was blocked: the timer fires 200 ms late
    await manual.advance(100);
    expect(fired).toBe(0);
    expect(t.armed).toBe(true);
    await manual.advance(20);
    expect(fired).toBe(1);
    t.start(() => fired++, 100);
    stallBy(200);
    await manual.advance(100);
    t.cancel(); // the late answer was read during the grace period
    await manual.advance(100);
    expect(fired).toBe(1);
  });
});
