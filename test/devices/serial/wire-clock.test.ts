import { describe, expect, it } from 'vitest';
import { ManualClock, ScaledClock } from '../../../core/clock.ts';
import { realWireClock, wireClockFor } from '../../../devices/serial/wire-clock.ts';

describe('wire clock', () => {
  it('is real time for a scaled clock: 200 wire ms last 200 real ms at ×60', async () => {
    const clock = new ScaledClock(60);
    const wire = wireClockFor(clock);
    expect(wire).toBe(realWireClock);
    const started = performance.now();
    const clockStarted = clock.now();
    await new Promise<void>((resolve) => wire.setTimeout(resolve, 200));
    const real = performance.now() - started;
    expect(real).toBeGreaterThanOrEqual(195);
    expect(real).toBeLessThan(1000);
    // The injected clock ran 60 times faster meanwhile.
    expect(clock.now() - clockStarted).toBeGreaterThan(195 * 60 * 0.9);
  });

  it('is the clock itself for a manual test clock, so tests drive wire time by hand', async () => {
    const clock = new ManualClock();
    const wire = wireClockFor(clock);
    expect(wire).toBe(clock);
    let fired = false;
    wire.setTimeout(() => {
      fired = true;
    }, 500);
    await clock.advance(499);
    expect(fired).toBe(false);
    await clock.advance(1);
    expect(fired).toBe(true);
  });

  it('cancels: a cleared timer never fires and leaves nothing pending', async () => {
    let fired = false;
    const before = realWireClock.pending;
    const h = realWireClock.setTimeout(() => {
      fired = true;
    }, 10);
    expect(realWireClock.pending).toBe(before + 1);
    realWireClock.clearTimeout(h);
    expect(realWireClock.pending).toBe(before);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(false);
  });
});
