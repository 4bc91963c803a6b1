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

describe('serial transport on a scaled clock', () => {
  it('retries a missing port at the real backoff (100 ms doubling to 1 s), not 60 times faster', async () => {
    const { SerialTransport } = await import('../../../devices/serial/transport.ts');
    const { silentLogger } = await import('../../../core/logger.ts');
    const { GatepostError, ErrorCode } = await import('../../../core/errors.ts');
    let attempts = 0;
    const transport = new SerialTransport({
      settings: { path: '/dev/none', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
      opener: {
        open: async () => {
          attempts++;
          throw new GatepostError(ErrorCode.PortOpenFailed, 'no such port');
        },
      },
      clock: new ScaledClock(60),
      log: silentLogger(),
      random: () => 1,
    });
    transport.start();
    await new Promise((r) => setTimeout(r, 1000));
    await transport.stop();
    // 0, +100, +200, +400 ms: 4 attempts in a second (on the clock it would be hundreds).
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(5);
  });
});
