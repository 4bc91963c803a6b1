import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { ShutdownSteps } from '../../core/shutdown-steps.ts';

function logged() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'debug',
    destination: { write: (l: string) => lines.push(JSON.parse(l)) },
  });
  return { log, lines };
}

describe('ShutdownSteps', () => {
  it('stops in reverse order; a part that hangs is named and the others still stop', async () => {
    const { log, lines } = logged();
    const steps = new ShutdownSteps(log, 100);
    const order: string[] = [];
    steps.add('database', () => {
      order.push('database');
    });
    steps.add('web', () => new Promise<void>(() => order.push('web'))); // never settles
    steps.add('lanes', async () => {
      order.push('lanes');
      throw new Error('port gone');
    });
    const began = performance.now();
    await steps.stopAll();
    const took = performance.now() - began;
    expect(order).toEqual(['lanes', 'web', 'database']);
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(2_000);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => l.part)).toEqual(['lanes', 'web']);
    expect(errors[1]?.msg).toMatch(/did not stop within its budget/);
  });

  it('runs once however often it is asked', async () => {
    const { log } = logged();
    const steps = new ShutdownSteps(log, 100);
    let stops = 0;
    steps.add('ops', () => {
      stops++;
    });
    await Promise.all([steps.stopAll(), steps.stopAll()]);
    await steps.stopAll();
    expect(stops).toBe(1);
  });
});
