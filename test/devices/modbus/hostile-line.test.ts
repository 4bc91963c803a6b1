import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { type ModbusReadResult, ModbusRtuMaster } from '../../../devices/modbus/master.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';
import { measure } from '../../support/measure.ts';
import { rawModbusSlave } from '../support/raw-modbus-slave.ts';
import { until } from '../support/wait.ts';

/**
 * The Modbus line is an input path with a budget too: a line that never goes quiet (a failing
 * transceiver, another master) must cost bounded memory, every poll must still end within the
 * quiet-wait cap plus its timeout, and every byte thrown away is counted.
 */
const log = silentLogger();

describe('Modbus master on a line flooded with noise (real time, in-process line)', () => {
  it('20 MiB of noise while polling: bounded memory, every poll ends, every byte counted', async () => {
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/flooded');
    rawModbusSlave(device, () => ({ registers: [365, 250, 3] }));
    const transport = new SerialTransport({
      settings: SerialPortSettingsSchema.parse({ path: '/dev/flooded' }),
      opener: hub,
      clock: systemClock,
      log,
    });
    transport.start();
    await until(() => transport.isUp);
    const master = new ModbusRtuMaster({ transport, clock: systemClock, log });
    const chunk = Buffer.alloc(16 * 1024);
    let x = 0x1234567;
    const total = 1280 * chunk.length; // 20 MiB
    let flooding = true;
    const polls: { result: ModbusReadResult; ms: number }[] = [];
    const poller = (async () => {
      while (flooding) {
        const t0 = performance.now();
        const result = await master.readInputRegisters(1, 0, 3, 150);
        polls.push({ result, ms: performance.now() - t0 });
      }
    })();
    const m = await measure(async () => {
      for (let sent = 0; sent < total; sent += chunk.length) {
        for (let i = 0; i < chunk.length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          chunk[i] = x & 0xff;
        }
        await device.write(chunk);
        await new Promise<void>((r) => setTimeout(r, 1));
      }
      flooding = false;
      await poller;
    });
    console.info(
      `20 MiB of Modbus noise: ${m.elapsedMs.toFixed(0)} ms, ${polls.length} polls, heap +${m.peakHeapMB.toFixed(1)} MB`,
    );
    expect(polls.length).toBeGreaterThan(0);
    // A poll waits at most 1 s for a quiet line, then its timeout (150 ms + wire time, a stall's grace).
    for (const p of polls) expect(p.ms).toBeLessThan(1000 + 150 + 20 + 100 + 500);
    const s = master.stats;
    expect(s.requests).toBe(polls.length);
    expect(s.responses + s.timeouts + s.crcErrors + s.badFrames + s.exceptions).toBe(polls.length);
    expect(s.discardedRuns).toBeGreaterThan(0);
    // Every noise byte is either discarded and counted or part of a frame taken.
    const c = transport.counters;
    expect(c.bytesIn).toBeGreaterThanOrEqual(total);
    expect(c.discardedBytes).toBeGreaterThan(total * 0.99);
    expect(m.peakHeapMB).toBeLessThan(64);
    expect(m.elapsedMs).toBeLessThan(30_000);
    master.detach();
    await transport.stop();
  });
});
