import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createSerialBarrierDriver } from '../../../devices/barrier/serial-barrier.ts';
import type { BarrierCommandResult, VehicleEvent } from '../../../devices/events.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SimSerialBarrier } from '../../../sim/devices/barrier/serial-barrier.ts';
import { simDeviceOnPty } from '../support/sim-device-on-pty.ts';
import { sleep, until } from '../support/wait.ts';

const log = silentLogger();

/** A controller reporting its loop, a photo-eye and an arming loop in the extended ST line. */
const DETECTORS = {
  presence: [
    { name: 'safety-loop', kind: 'loop', field: 'LOOP' },
    { name: 'photo-eye', kind: 'photo-eye', field: 'PE1' },
  ],
  arming: { field: 'ARM' },
};

describe('serial barrier with an extended ST line, against the simulated barrier over a real PTY', () => {
  const rig = simDeviceOnPty('barrier-det');

  async function setup(travelMs = 1500) {
    const { path, attachment } = rig.open();
    const config = SerialBarrierConfigSchema.parse({
      kind: 'serial',
      port: { path: path('barrier') },
      autoCloseAfterClearMs: 500,
      trailerGapMs: 300,
      ...DETECTORS,
    });
    const sim = await rig.startSim(
      new SimSerialBarrier(config, attachment, { clock: systemClock, travelMs }),
    );
    const driver = createSerialBarrierDriver({
      config,
      opener: new SerialPortOpener(),
      clock: systemClock,
      log,
    });
    const vehicles: VehicleEvent[] = [];
    driver.on('vehicle', (e) => vehicles.push(e));
    await rig.startDriver(driver, 'barrier');
    return { driver, sim, vehicles };
  }

  it('the simulator sends the fields the config names; the arming loop is an arrival, not a presence', async () => {
    const t = await setup();
    expect(t.sim.currentStatus).toBe('ST CLOSED LOOP=0 PE1=0 ARM=0\r');
    t.sim.setDetector('arming', true);
    await until(() => t.vehicles.length === 1, 1000, 'arrival from the arming loop');
    expect(t.driver.loop).toBe(false);
    t.sim.setDetector('photo-eye', true);
    await until(() => t.driver.loop, 1000, 'photo-eye seen');
    expect(t.sim.currentStatus).toBe('ST CLOSED LOOP=0 PE1=1 ARM=1\r');
  });

  it('a photo-eye blocked while the arm closes reverses it; CLOSE is never sent while it is blocked', async () => {
    const t = await setup();
    expect((await t.driver.open()).ok).toBe(true);
    const closing = t.driver.close();
    await until(() => t.sim.state === 'closing', 1000, 'arm closing');
    await sleep(200);
    t.sim.setDetector('photo-eye', true);
    const result: BarrierCommandResult = await closing;
    expect(result).toMatchObject({ ok: false, failure: 'unsafe' });
    await until(() => t.sim.state === 'open', 3000, 're-opened');
    expect(await t.driver.close()).toMatchObject({ ok: false, failure: 'unsafe' });
    t.sim.setDetector('photo-eye', false);
    await until(() => t.sim.state === 'closed', 5000, 'closed after the eye is clear');
    expect(t.sim.violations).toEqual([]);
  });
});

describe('serial barrier: a controller that sends the datasheet line alone', () => {
  it('still works: LOOP is read, a configured field it lacks keeps its last level (low)', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/b');
    let st = 'ST CLOSED LOOP=0\r';
    device.on('data', (c: Buffer) => {
      for (const cmd of c.toString().split('\r').filter(Boolean))
        if (cmd.trim() === 'STATUS') void device.write(Buffer.from(st));
    });
    const driver = createSerialBarrierDriver({
      config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' }, ...DETECTORS }),
      opener: hub,
      clock,
      log,
    });
    const vehicles: VehicleEvent[] = [];
    driver.on('vehicle', (e) => vehicles.push(e));
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(driver.state).toBe('closed');
    st = 'ST CLOSED LOOP=1\r';
    await device.write(Buffer.from(st));
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(driver.loop).toBe(true);
    expect(vehicles.map((v) => v.kind)).toEqual(['arrived']);
    expect(await Promise.race([driver.close(), sleep(50).then(() => undefined)])).toMatchObject({
      ok: false,
      failure: 'unsafe',
    });
    await driver.stop();
  });
});
