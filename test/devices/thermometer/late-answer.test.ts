import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ThermometerReading } from '../../../devices/events.ts';
import type { SerialLink } from '../../../devices/serial/link.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { ThermometerConfigSchema } from '../../../devices/thermometer/config.ts';
import { createThermometerDriver, type ThermometerDriver } from '../../../devices/thermometer/driver.ts';
import { handWrittenSlave, registersAnswer } from '../support/misbehaving-modbus-slave.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { until } from '../support/wait.ts';

/**
 * Issue 18, items 12 and 18, through the thermometer: a slave that answers one poll late must
 * not make the readings one poll stale, and on the simulator's ×60 clock the response timeout
 * is still 150 real ms (a slave that answers in 40 ms is never timed out).
 */
const log = silentLogger();

describe('thermometer polls against a hand-written slave on a real PTY, on a ×60 clock', () => {
  let pty: PtyPair | undefined;
  let driver: ThermometerDriver | undefined;
  let peer: SerialLink | undefined;
  afterEach(async () => {
    await driver?.stop();
    await peer?.close().catch(() => undefined);
    await pty?.close();
    pty = driver = peer = undefined;
  });

  it('every reading is the answer to its own poll, after a late answer too', async () => {
    pty = await openPtyPair('thermo-late');
    const opener = new SerialPortOpener();
    const settings = SerialPortSettingsSchema.parse({ path: pty.hostPath });
    peer = await opener.open({ ...settings, path: pty.devicePath });
    // Poll n reads IR0 = 300 + n (30.0 + n/10 °C), present and stable; poll 3 is answered 260 ms
    // late (after the 150 ms timeout), the others after 40 ms.
    const slave = handWrittenSlave(peer, ({ n, address, fn }) => ({
      afterMs: n === 3 ? 260 : 40,
      bytes: registersAnswer(address, fn, [300 + n, 250, 0b011]),
    }));
    driver = createThermometerDriver({
      config: ThermometerConfigSchema.parse({ port: settings }),
      opener,
      clock: new ScaledClock(60),
      log,
    });
    const readings: ThermometerReading[] = [];
    const errors: DeviceErrorEvent[] = [];
    driver.on('reading', (r) => readings.push(r));
    driver.on('error', (e) => errors.push(e));
    driver.start();
    await until(() => readings.length >= 8, 10_000, '8 readings');
    const polls = readings.map((r) => Math.round(r.objectC * 10) - 300);
    // Poll 3 timed out; every other poll's reading is its own, in order; none is repeated.
    expect(polls.slice(0, 7)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    expect(errors.map((e) => e.errorCode)).toEqual([ErrorCode.ModbusTimeout]);
    expect(slave.ignored).toBe(0);
    expect(driver.counters()).toMatchObject({ timeouts: 1, unexpectedFrames: 1, guardWaits: 1 });
  });
});
