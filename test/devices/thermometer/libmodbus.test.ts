import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { HealthEvent, MeasurementEvent } from '../../../devices/events.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { ThermometerConfigSchema } from '../../../devices/thermometer/config.ts';
import { createThermometerDriver, type ThermometerDriver } from '../../../devices/thermometer/driver.ts';
import { buildLibmodbusSlave, type LibmodbusSlave, startLibmodbusSlave } from '../support/libmodbus-slave.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { until } from '../support/wait.ts';

/** The thermometer driver end to end against an independent libmodbus slave on a real PTY. */
describe('thermometer driver against a libmodbus slave on a PTY', () => {
  let build: ReturnType<typeof buildLibmodbusSlave>;
  let pty: PtyPair;
  let slave: LibmodbusSlave | undefined;
  let driver: ThermometerDriver;
  const measurements: MeasurementEvent[] = [];
  const health: HealthEvent[] = [];

  beforeAll(async () => {
    build = buildLibmodbusSlave();
    pty = await openPtyPair('thermo');
    slave = await startLibmodbusSlave(build.binary, pty.devicePath, 9600, 1, [250, 240, 0]);
    driver = createThermometerDriver({
      config: ThermometerConfigSchema.parse({ port: { path: pty.hostPath } }),
      opener: new SerialPortOpener(),
      clock: systemClock,
      log: silentLogger(),
    });
    driver.on('measurement', (m) => measurements.push(m));
    driver.on('health', (h) => health.push(h));
    driver.start();
  });

  afterAll(async () => {
    await driver?.stop();
    await slave?.close();
    await pty?.close();
    build?.cleanup();
  });

  it('comes online and publishes one measurement about 2 s after a stable target appears', async () => {
    await until(() => driver.health === 'online', 3000, 'online');
    await slave?.setInputRegister(0, 368);
    await slave?.setInputRegister(2, 0b011);
    const t0 = Date.now();
    await until(() => measurements.length === 1, 4000, 'a measurement');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(3500);
    expect(measurements[0]).toMatchObject({ objectC: 36.8, ambientC: 24, reason: 'stable-window' });
    await new Promise((r) => setTimeout(r, 600));
    expect(measurements).toHaveLength(1);
  });

  it('goes offline after 5 failed polls and 3 s without an answer when the slave dies, and back online when it answers again', async () => {
    await slave?.close();
    slave = undefined;
    const t0 = Date.now();
    await until(() => driver.health === 'offline', 6000, 'offline');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2800); // 3 s since the last answer, which came just before
    slave = await startLibmodbusSlave(build.binary, pty.devicePath, 9600, 1, [250, 240, 0]);
    await until(() => driver.health === 'online', 2000, 'online again');
    expect(health.map((h) => h.state)).toEqual(['online', 'offline', 'online']);
    expect(driver.counters().timeouts).toBeGreaterThanOrEqual(5);
  });
});
