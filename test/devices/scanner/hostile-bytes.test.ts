import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../../devices/events.ts';
import { ScannerConfigSchema } from '../../../devices/scanner/config.ts';
import { createScannerDriver, type ScannerDriver } from '../../../devices/scanner/driver.ts';
import { type InProcessLink, InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { measure } from '../../support/measure.ts';
import { until } from '../support/wait.ts';

/**
 * "Scanner bytes" is an input path with a budget (issue 18, the class): whatever a scanner line
 * carries, the driver holds at most one code's bytes, yields no scan from garbage, and sends a
 * bounded number of error events; every discarded byte is still counted.
 */
const log = silentLogger();

/** A small deterministic PRNG (xorshift32), so a failure can be replayed. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function record(driver: ScannerDriver) {
  const codes: ScanEvent[] = [];
  const errors: DeviceErrorEvent[] = [];
  driver.on('code', (e) => codes.push(e));
  driver.on('error', (e) => errors.push(e));
  return { codes, errors };
}

/** Lets the in-process line deliver what was written (it delivers on a later tick). */
const tick = () => new Promise<void>((r) => setImmediate(r));

async function realDriver(path: string, overrides: object = {}) {
  const hub = new InProcessSerialHub();
  const device = hub.plug(path);
  const config = ScannerConfigSchema.parse({ port: { path }, ...overrides });
  const driver = createScannerDriver({ config, opener: hub, clock: systemClock, log });
  const seen = record(driver);
  driver.start();
  await until(() => driver.health !== 'offline');
  return { device, driver, seen };
}

describe('scanner bytes: hostile streams within budget (real time, in-process line)', () => {
  it('50 MB of garbage without a terminator: no scan, one error, bounded memory and time', async () => {
    const { device, driver, seen } = await realDriver('/dev/hostile-50mb');
    const next = prng(0x5eed);
    const chunk = Buffer.alloc(64 * 1024);
    const total = 800 * chunk.length; // 50 MiB
    const m = await measure(async () => {
      for (let sent = 0; sent < total; sent += chunk.length) {
        for (let i = 0; i < chunk.length; i++) {
          const b = Math.floor(next() * 256);
          chunk[i] = b === 0x0d ? 0x0e : b; // never the terminator
        }
        await device.write(chunk);
        await tick();
      }
      // The over-long "code" ends when the line has been silent for the resync silence.
      await until(() => seen.errors.length > 0, 5000, 'the too-long error');
    });
    expect(seen.codes).toEqual([]);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toMatchObject({ kind: 'too-long', bytes: total });
    expect(driver.counters()).toMatchObject({ bytesIn: total, discardedBytes: total, frames: 0 });
    console.info(
      `50 MiB of garbage: ${m.elapsedMs.toFixed(0)} ms, peak heap +${m.peakHeapMB.toFixed(1)} MB, peak RSS +${m.peakRssMB.toFixed(1)} MB`,
    );
    // The framer holds at most one code (4 KiB); the budget is for the line's chunks in flight.
    expect(m.peakHeapMB).toBeLessThan(48);
    expect(m.peakRssMB).toBeLessThan(96);
    expect(m.elapsedMs).toBeLessThan(20_000);
    await driver.stop();
  });

  it('100,000 short garbage frames, a third of them printable text: no scan, a bounded number of errors', async () => {
    const { device, driver, seen } = await realDriver('/dev/hostile-frames');
    const next = prng(0xbab1e);
    const frames = 100_000;
    let codeBytes = 0;
    const parts: Buffer[] = [];
    const flush = async () => {
      await device.write(Buffer.concat(parts));
      parts.length = 0;
      await tick();
    };
    const m = await measure(async () => {
      for (let f = 0; f < frames; f++) {
        const n = 1 + Math.floor(next() * 24);
        const body = Buffer.alloc(n);
        const printable = f > 0 && next() < 1 / 3; // the first frame is junk, as a babble starts
        for (let i = 0; i < n; i++) {
          const b = printable ? 0x21 + Math.floor(next() * 94) : Math.floor(next() * 256);
          body[i] = b === 0x0d || b === 0x0a ? 0x00 : b;
        }
        if (!printable) body[0] = 0xff; // junk whatever was drawn
        codeBytes += n;
        parts.push(body, Buffer.from([0x0d]));
        if (parts.length >= 512) await flush();
      }
      await flush();
      await until(() => !driverBusy(driver), 5000, 'the babble reported');
    });
    const reported = seen.errors.reduce((n, e) => n + (e.suppressed ?? 1), 0);
    console.info(
      `100,000 garbage frames: ${m.elapsedMs.toFixed(0)} ms, ${seen.errors.length} error events, peak heap +${m.peakHeapMB.toFixed(1)} MB`,
    );
    expect(seen.codes).toEqual([]);
    // One error for the first bad frame, then one babble report a second while it lasts.
    const seconds = Math.ceil(m.elapsedMs / 1000) + 1;
    expect(seen.errors.length).toBeLessThanOrEqual(2 + seconds);
    expect(reported).toBe(seen.errors.length);
    // Every frame is counted: the first bad one alone, the others in the babble reports.
    expect(driver.counters()).toMatchObject({
      discardedBytes: codeBytes,
      discardedFrames: frames,
      frames: 0,
    });
    expect(m.peakHeapMB).toBeLessThan(48);
    expect(m.elapsedMs).toBeLessThan(20_000);
    await driver.stop();
  });
});

function driverBusy(driver: ScannerDriver): boolean {
  return (driver as unknown as { framer: { busy: boolean } }).framer.busy;
}

describe('scanner error events: a rate limit with a count of what it held back', () => {
  it('bursts that each end in a silence (a 5 ms gap setting) cost at most 10 + kinds events a second', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device: InProcessLink = hub.plug('/dev/bursts');
    const config = ScannerConfigSchema.parse({
      port: { path: '/dev/bursts' },
      interByteGapMs: 5,
      resyncSilenceMs: 5,
    });
    const driver = createScannerDriver({ config, opener: hub, clock, log });
    const seen = record(driver);
    driver.start();
    await clock.advance(0);
    const bursts = 1000;
    for (let i = 0; i < bursts; i++) {
      await device.write(Buffer.from(i % 2 ? [0x41, 0x00, 0x0d] : [0x41, 0xff, 0x0d]));
      await clock.advance(6); // each bad frame is a burst of its own
    }
    await clock.advance(2000);
    expect(seen.codes).toEqual([]);
    // 6 s of clock: at most 10 one by one and one summary per kind (2 kinds) each second.
    expect(seen.errors.length).toBeLessThanOrEqual(Math.ceil((bursts * 6) / 1000 + 2) * 12);
    expect(seen.errors.length).toBeLessThan(bursts / 5);
    const summaries = seen.errors.filter((e) => e.suppressed !== undefined);
    expect(summaries.length).toBeGreaterThan(0);
    const accounted = seen.errors.reduce((n, e) => n + (e.suppressed ?? 1), 0);
    expect(accounted).toBe(bursts);
    expect(driver.counters()).toMatchObject({ errors: bursts, discardedBytes: 2 * bursts });
    expect(driver.counters().suppressedErrors).toBe(accounted - (seen.errors.length - summaries.length));
    for (const s of summaries) expect(s.bytes).toBe(2 * (s.suppressed ?? 0));
    await driver.stop();
  });
});
