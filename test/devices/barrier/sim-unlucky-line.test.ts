import { describe, expect, it } from 'vitest';
import { type Clock, ScaledClock, systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createSerialBarrierDriver } from '../../../devices/barrier/serial-barrier.ts';
import type { DeviceErrorEvent, HealthEvent } from '../../../devices/events.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SimSerialBarrier } from '../../../sim/devices/barrier/serial-barrier.ts';
import { simDeviceOnPty } from '../support/sim-device-on-pty.ts';
import { sleep } from '../support/wait.ts';

const log = silentLogger();

/** The simulated serial barrier's unlucky-line knobs, with the real driver over a PTY. */
describe('simulated serial barrier on an unlucky line', () => {
  const rig = simDeviceOnPty('barrier');

  async function setup(clock: Clock = systemClock, travelMs = 600) {
    const { path, attachment } = rig.open();
    const config = SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: path('barrier') } });
    const sim = await rig.startSim(new SimSerialBarrier(config, attachment, { clock, travelMs }));
    const driver = createSerialBarrierDriver({ config, opener: new SerialPortOpener(), clock, log });
    const errors: DeviceErrorEvent[] = [];
    const health: HealthEvent[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.on('health', (e) => health.push(e));
    await rig.startDriver(driver, 'barrier');
    return { driver, sim, errors, health };
  }

  it('OKs lost: the ST lines carry the opens and closes; a staff close is always sent', async () => {
    const t = await setup();
    t.sim.dropOks(2);
    expect(await t.driver.open()).toMatchObject({ ok: true, state: 'open' });
    expect(await t.driver.close()).toMatchObject({ ok: true, state: 'closed' });
    expect(t.sim.state).toBe('closed');
    expect(t.sim.violations).toEqual([]);
    expect(t.health.map((h) => h.state)).not.toContain('offline');
  });

  it('replies 700 ms late: commands succeed by the ST lines, health degrades once and never goes offline', async () => {
    const t = await setup();
    t.sim.slowReplies(700);
    expect(await t.driver.open()).toMatchObject({ ok: true, state: 'open' });
    expect(await t.driver.close()).toMatchObject({ ok: true, state: 'closed' });
    await sleep(5000);
    expect(t.health.map((h) => h.state)).toEqual(['online', 'degraded']);
    expect(t.errors.filter((e) => e.errorCode === ErrorCode.BarrierNoReply).length).toBeLessThanOrEqual(3);
    t.sim.slowReplies(0);
    expect(t.sim.violations).toEqual([]);
  }, 15_000);

  it('a site clock at ×60: the barrier is asked every 5 s of real time, answers in time, no errors', async () => {
    const t = await setup(new ScaledClock(60), 6000);
    const errorsBefore = t.driver.counters().errors;
    await sleep(3000);
    expect(t.errors).toEqual([]);
    expect(t.driver.counters().errors).toBe(errorsBefore);
    expect(t.health.map((h) => h.state)).toEqual(['online']);
    expect(t.driver.counters().bytesOut).toBeLessThanOrEqual(2 * 'STATUS\r'.length);
  }, 10_000);
});
