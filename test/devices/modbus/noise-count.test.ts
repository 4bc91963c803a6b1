import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { ModbusRtuMaster } from '../../../devices/modbus/master.ts';
import { RtuFramer, type RtuFramerOutput } from '../../../devices/modbus/rtu-framer.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';
import { measure } from '../../support/measure.ts';
import { rawModbusSlave } from '../support/raw-modbus-slave.ts';

/**
 * Issue 18, item 17: 100,000 noise frames on the Modbus line were counted as 10 device errors.
 * Every run of discarded bytes is counted (the master's `discardedRuns`, the line's
 * `discardedBytes`), whatever the error events and records make of it.
 */
const log = silentLogger();

/** Noise bytes that can start no response frame (0x20-0x7F: no function code), so none is a frame. */
function noiseFrame(next: () => number): Buffer {
  const n = 2 + Math.floor(next() * 20);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 0x20 + Math.floor(next() * 0x60);
  return b;
}

function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

describe('every discarded run of Modbus bytes is counted', () => {
  it('100,000 noise frames separated by silences: 100,000 discarded runs, within a memory budget', async () => {
    const next = prng(17);
    let bytes = 0;
    const outs: RtuFramerOutput[] = [];
    const m = await measure(async () => {
      const framer = new RtuFramer({ silenceMs: 4 });
      for (let i = 0; i < 100_000; i++) {
        const f = noiseFrame(next);
        bytes += f.length;
        for (const o of framer.push(f, i * 5)) if (o.kind === 'discard') outs.push(o);
      }
      outs.push(...framer.flush());
    });
    expect(outs).toHaveLength(100_000);
    expect(outs.reduce((n, o) => n + (o.kind === 'discard' ? o.count : 0), 0)).toBe(bytes);
    expect(m.peakHeapMB).toBeLessThan(64);
    expect(m.elapsedMs).toBeLessThan(10_000);
  });

  it('the master counts each noise run between and during polls, and still reads every poll', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/noisy-rs485');
    rawModbusSlave(device, (_a, _f, _s, q) => ({ registers: Array.from({ length: q }, (_, i) => 360 + i) }));
    const transport = new SerialTransport({
      settings: SerialPortSettingsSchema.parse({ path: '/dev/noisy-rs485' }),
      opener: hub,
      clock,
      log,
    });
    transport.start();
    await clock.advance(0);
    const master = new ModbusRtuMaster({ transport, clock, log });
    const next = prng(1717);
    let noiseBytes = 0;
    const runs = 5_000;
    let good = 0;
    for (let i = 0; i < runs; i++) {
      const f = noiseFrame(next);
      noiseBytes += f.length;
      await device.write(f);
      await clock.advance(25); // a silence: each noise frame is a run of its own
      if (i % 50 === 49) {
        const p = master.readInputRegisters(1, 0, 3, 150);
        await clock.advance(30);
        if ((await p).ok) good++;
      }
    }
    expect(good).toBe(runs / 50);
    expect(master.stats.discardedRuns).toBe(runs);
    expect(transport.counters.discardedBytes).toBe(noiseBytes);
    expect(master.stats).toMatchObject({ responses: runs / 50, timeouts: 0, badFrames: 0 });
    await transport.stop();
  });
});
