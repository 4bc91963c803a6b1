import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, HealthEvent, MeasurementEvent } from '../../../devices/events.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { ThermometerConfigSchema } from '../../../devices/thermometer/config.ts';
import { createThermometerDriver } from '../../../devices/thermometer/driver.ts';
import { SimThermometer } from '../../../sim/devices/thermometer/thermometer.ts';
import { simDeviceOnPty } from '../support/sim-device-on-pty.ts';
import { sleep, until } from '../support/wait.ts';

/** The thermometer driver against the simulated Modbus thermometer (sim/) over a real PTY. */
describe('thermometer driver against the simulated thermometer over a PTY', () => {
  const rig = simDeviceOnPty('thermo');

  async function setup() {
    const { path, attachment } = rig.open();
    const config = ThermometerConfigSchema.parse({ port: { path: path('thermometer') } });
    const sim = await rig.startSim(
      new SimThermometer(config, attachment, { clock: systemClock, ambientC: 22, settleMs: 300 }),
    );
    const driver = createThermometerDriver({
      config,
      opener: new SerialPortOpener(),
      clock: systemClock,
      log: silentLogger(),
    });
    const measurements: MeasurementEvent[] = [];
    const errors: DeviceErrorEvent[] = [];
    const health: HealthEvent[] = [];
    driver.on('measurement', (e) => measurements.push(e));
    driver.on('error', (e) => errors.push(e));
    driver.on('health', (e) => health.push(e));
    await rig.startDriver(driver, 'thermometer');
    return { driver, sim, measurements, errors, health };
  }

  it('one measurement per presence episode, then one for the next target', async () => {
    const t = await setup();
    t.sim.presentTarget(37.8);
    await until(() => t.measurements.length === 1, 10_000, 'first measurement');
    expect(t.measurements[0]).toMatchObject({ objectC: 37.8, ambientC: 22, reason: 'stable-window' });
    await sleep(600);
    expect(t.measurements).toHaveLength(1);
    t.sim.removeTarget();
    await sleep(500);
    t.sim.presentTarget(36.4);
    await until(() => t.measurements.length === 2, 10_000, 'second measurement');
    expect(t.measurements[1]?.objectC).toBe(36.4);
    // Nothing went wrong but, on a saturated test machine, perhaps a late answer.
    expect(t.errors.filter((e) => e.kind !== 'timeout')).toEqual([]);
  });

  it('keeps measuring through bursts of line noise, which are counted and discarded', async () => {
    const t = await setup();
    let seed = 7;
    const nextByte = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const noise = () => Buffer.from(Array.from({ length: 24 }, nextByte));
    const bursts = setInterval(() => void t.sim.port.write(noise()), 130);
    try {
      t.sim.presentTarget(36.9);
      await until(() => t.measurements.length === 1, 6000, 'a measurement through the noise');
    } finally {
      clearInterval(bursts);
    }
    expect(t.measurements[0]?.objectC).toBe(36.9);
    expect(t.driver.counters().discardedBytes).toBeGreaterThan(0);
    expect(t.driver.health).toBe('online');
  });

  it('a hot object is an implausible reading (a device error), never a fever', async () => {
    const t = await setup();
    t.sim.presentTarget(55);
    await sleep(2800);
    expect(t.measurements).toEqual([]);
    expect(t.errors.some((e) => e.errorCode === ErrorCode.ReadingImplausible)).toBe(true);
  });

  it('a sensor fault makes the thermometer degraded until it clears', async () => {
    const t = await setup();
    t.sim.setFault(true);
    await until(() => t.driver.health === 'degraded', 1000, 'degraded');
    expect(t.errors.some((e) => e.errorCode === ErrorCode.SensorFault)).toBe(true);
    t.sim.setFault(false);
    await until(() => t.driver.health === 'online', 1000, 'online again');
  });

  it('reports exception responses, goes offline after 5 silent polls and 3 s without an answer, and back after 3 answers', async () => {
    const t = await setup();
    let mode: 'exception' | 'silent' | 'normal' = 'exception';
    t.sim.unit.use(
      () =>
        mode === 'exception'
          ? { kind: 'exception', code: 4 }
          : mode === 'silent'
            ? { kind: 'silent' }
            : undefined,
      {
        first: true,
      },
    );
    await until(() => t.errors.length > 0, 1000, 'an exception');
    expect(t.errors[0]).toMatchObject({ errorCode: ErrorCode.ModbusException, exceptionCode: 4 });
    mode = 'silent';
    await until(() => t.driver.health === 'offline', 6000, 'offline');
    expect(t.driver.counters().timeouts).toBeGreaterThanOrEqual(5);
    mode = 'normal';
    await until(() => t.driver.health === 'online', 2000, 'online again');
  });

  it('is back within 2 s of the thermometer being plugged back in', async () => {
    const t = await setup();
    await t.sim.unplug();
    await until(() => t.driver.health === 'offline', 1000, 'offline');
    await sleep(1500);
    await t.sim.replug();
    const back = Date.now();
    await until(() => t.driver.health === 'online', 3000, 'online again');
    expect(Date.now() - back).toBeLessThan(2000);
  });
});
