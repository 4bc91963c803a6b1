import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type {
  DeviceErrorEvent,
  HealthEvent,
  MeasurementEvent,
  PresenceEvent,
} from '../../../devices/events.ts';
import { withCrc } from '../../../devices/modbus/crc.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { ThermometerConfigSchema } from '../../../devices/thermometer/config.ts';
import { createThermometerDriver, type ThermometerDriver } from '../../../devices/thermometer/driver.ts';
import { rawModbusSlave, type SlaveAnswer } from '../support/raw-modbus-slave.ts';

const log = silentLogger();

async function setup() {
  const clock = new ManualClock();
  const hub = new InProcessSerialHub();
  const device = hub.plug('/dev/thermo');
  const state: { regs: number[]; mode: 'ok' | 'silent' | 'exception' | 'crc' | 'half-garbled' } = {
    regs: [250, 250, 0],
    mode: 'ok',
  };
  let seed = 0x2545f491; // xorshift32: the same "50 % garbled" every run
  const coin = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32 < 0.5;
  };
  const slave = rawModbusSlave(device, (address, fn, start, quantity): SlaveAnswer => {
    if (address !== 1 || fn !== 4) return 'silent';
    if (state.mode === 'silent') return 'silent';
    if (state.mode === 'exception') return { exception: 4 };
    if (state.mode === 'crc' || (state.mode === 'half-garbled' && coin())) {
      const good = withCrc(Buffer.from([1, 4, 6, 0, 0, 0, 0, 0, 0]));
      good[9] = (good[9] ?? 0) ^ 0xff;
      return { raw: good };
    }
    return { registers: state.regs.slice(start, start + quantity) };
  });
  const driver = createThermometerDriver({
    config: ThermometerConfigSchema.parse({ port: { path: '/dev/thermo' } }),
    opener: hub,
    clock,
    log,
  });
  const seen = {
    measurements: [] as MeasurementEvent[],
    presence: [] as PresenceEvent[],
    errors: [] as DeviceErrorEvent[],
    health: [] as HealthEvent[],
  };
  driver.on('measurement', (e) => seen.measurements.push(e));
  driver.on('presence', (e) => seen.presence.push(e));
  driver.on('error', (e) => seen.errors.push(e));
  driver.on('health', (e) => seen.health.push(e));
  driver.start();
  /** Advances in 10 ms steps so the in-process line's deliveries interleave with the timers. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) await clock.advance(10);
  };
  return { clock, hub, state, slave, driver, seen, run };
}

describe('thermometer driver (in-process line, hand-written slave, ManualClock)', () => {
  let driver: ThermometerDriver | undefined;
  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it('polls every 200 ms and turns a presence episode into one measurement', async () => {
    const t = await setup();
    driver = t.driver;
    await t.run(1000);
    expect(t.driver.health).toBe('online');
    expect(t.slave.requests).toBeGreaterThanOrEqual(5);
    expect(t.slave.requests).toBeLessThanOrEqual(6);
    t.state.regs = [366, 241, 0b011];
    await t.run(3000);
    expect(t.seen.measurements).toHaveLength(1);
    expect(t.seen.measurements[0]).toMatchObject({ objectC: 36.6, ambientC: 24.1, reason: 'stable-window' });
    expect(t.seen.measurements[0]!.readings).toBeGreaterThanOrEqual(10);
    t.state.regs = [250, 241, 0];
    await t.run(400);
    expect(t.seen.presence.map((p) => p.present)).toEqual([true, false]);
    expect(t.seen.measurements).toHaveLength(1);
  });

  it('reports implausible readings as device errors, never as measurements', async () => {
    const t = await setup();
    driver = t.driver;
    t.state.regs = [523, 240, 0b011];
    await t.run(3000);
    expect(t.seen.measurements).toEqual([]);
    expect(t.seen.errors.length).toBeGreaterThan(5);
    expect(t.seen.errors.every((e) => e.errorCode === ErrorCode.ReadingImplausible)).toBe(true);
  });

  it('a sensor fault makes the device degraded until it clears', async () => {
    const t = await setup();
    driver = t.driver;
    await t.run(400);
    t.state.regs = [365, 240, 0b111];
    await t.run(1000);
    expect(t.driver.health).toBe('degraded');
    expect(t.seen.errors.filter((e) => e.errorCode === ErrorCode.SensorFault)).toHaveLength(1);
    expect(t.seen.measurements).toEqual([]);
    t.state.regs = [365, 240, 0];
    await t.run(400);
    expect(t.driver.health).toBe('online');
  });

  it('goes offline after 5 failures in a row and 3 s without an answer; back after 3 answers (devices/health.ts)', async () => {
    const t = await setup();
    driver = t.driver;
    await t.run(400);
    expect(t.driver.health).toBe('online');
    t.state.mode = 'silent';
    await t.run(200 * 4 + 100);
    expect(t.driver.health).toBe('online'); // 4 failures so far
    await t.run(1500);
    expect(t.driver.health).toBe('online'); // more than 5, but not yet 3 s without an answer
    await t.run(1000);
    expect(t.driver.health).toBe('offline');
    const errorsWhileOffline = t.seen.errors.length;
    await t.run(2000);
    expect(t.seen.errors.length).toBe(errorsWhileOffline); // counted, not re-reported
    expect(t.driver.counters().timeouts).toBeGreaterThan(10);
    t.state.mode = 'ok';
    await t.run(250);
    expect(t.driver.health).toBe('offline'); // at most 2 answers: not yet
    await t.run(750);
    expect(t.driver.health).toBe('online');
    expect(t.seen.health.map((h) => h.state)).toEqual(['online', 'offline', 'online']);
  });

  it('at 50 % garbled replies for 90 s it shows degraded and does not flap (was 57 changes, 30 offline)', async () => {
    const t = await setup();
    driver = t.driver;
    await t.run(400);
    t.state.mode = 'half-garbled';
    await t.run(90_000);
    expect(t.driver.counters().crcErrors).toBeGreaterThan(150);
    expect(t.seen.health.map((h) => h.state)).toEqual(['online', 'degraded']);
    expect(t.driver.health).toBe('degraded');
    t.state.mode = 'ok';
    await t.run(15_000);
    expect(t.seen.health.map((h) => h.state)).toEqual(['online', 'degraded', 'online']);
  }, 60_000);

  it('counts and reports exceptions and CRC errors', async () => {
    const t = await setup();
    driver = t.driver;
    t.state.mode = 'exception';
    await t.run(400);
    expect(t.seen.errors[0]).toMatchObject({
      errorCode: ErrorCode.ModbusException,
      exceptionCode: 4,
      address: 1,
    });
    t.state.mode = 'crc';
    await t.run(600);
    expect(t.seen.errors.some((e) => e.errorCode === ErrorCode.ModbusCrc)).toBe(true);
    const c = t.driver.counters();
    expect(c.exceptions).toBeGreaterThanOrEqual(1);
    expect(c.crcErrors).toBeGreaterThanOrEqual(1);
  });

  it('goes offline at once when the port is unplugged, and resumes polling when it is back', async () => {
    const t = await setup();
    driver = t.driver;
    await t.run(400);
    t.hub.unplug('/dev/thermo');
    await t.run(10);
    expect(t.driver.health).toBe('offline');
    const device = t.hub.plug('/dev/thermo');
    rawModbusSlave(device, () => ({ registers: [300, 200, 0] }));
    await t.run(1500);
    expect(t.driver.health).toBe('online');
  });
});
