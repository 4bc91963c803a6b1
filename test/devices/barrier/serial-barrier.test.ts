import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createSerialBarrierDriver } from '../../../devices/barrier/serial-barrier.ts';
import type { BarrierCommandResult, DeviceErrorEvent, HealthEvent } from '../../../devices/events.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SimSerialBarrier } from '../../../sim/devices/barrier/serial-barrier.ts';
import { simDeviceOnPty } from '../support/sim-device-on-pty.ts';
import { sleep, until } from '../support/wait.ts';

const log = silentLogger();

describe('serial barrier driver against the simulated barrier over a real PTY', () => {
  const rig = simDeviceOnPty('barrier');

  async function setup(travelMs = 800) {
    const { path, attachment } = rig.open();
    const config = SerialBarrierConfigSchema.parse({
      kind: 'serial',
      port: { path: path('barrier') },
      autoCloseAfterClearMs: 500,
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
    const errors: DeviceErrorEvent[] = [];
    const health: HealthEvent[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.on('health', (e) => health.push(e));
    await rig.startDriver(driver, 'barrier');
    return { driver, sim, errors, health };
  }

  it('reads the state with STATUS, opens (OK, then ST lines) and closes by itself after the vehicle', async () => {
    const t = await setup();
    expect(t.driver.state).toBe('closed');
    t.sim.putVehicle();
    await until(() => t.driver.loop, 1000, 'loop seen');
    const r = await t.driver.open();
    expect(r).toMatchObject({ ok: true, state: 'open' });
    t.sim.removeVehicle();
    await until(() => t.sim.state === 'closed', 3000, 'closed again');
    await until(() => t.driver.state === 'closed', 1000, 'driver sees closed');
    expect(t.sim.violations).toEqual([]);
  });

  it('re-opens for a vehicle arriving while the arm closes; never sends CLOSE on a vehicle', async () => {
    const t = await setup(1500);
    expect((await t.driver.open()).ok).toBe(true);
    const closing = t.driver.close();
    await until(() => t.sim.state === 'closing', 1000, 'arm closing');
    await sleep(200);
    t.sim.putVehicle();
    const result: BarrierCommandResult = await closing;
    expect(result).toMatchObject({ ok: false, failure: 'unsafe' });
    await until(() => t.sim.state === 'open', 3000, 're-opened');
    expect(await t.driver.close()).toMatchObject({ ok: false, failure: 'unsafe' });
    t.sim.removeVehicle();
    await until(() => t.sim.state === 'closed', 4000, 'closed after the vehicle');
    expect(t.sim.violations).toEqual([]);
  });

  it('counts and drops line noise from the barrier and still obeys it', async () => {
    const t = await setup();
    await t.sim.port.write(Buffer.from([0xff, 0x00, 0x13, 0x0d, ...Buffer.from('ST SIDEWAYS LOOP=7\r')]));
    await until(() => t.driver.counters().discardedBytes >= 3, 1000, 'noise counted');
    expect(await t.driver.open()).toMatchObject({ ok: true, state: 'open' });
    expect(t.driver.counters().errors).toBeGreaterThanOrEqual(2);
  });

  it('reports a jammed barrier: ERR to OPEN is a refusal with its reason', async () => {
    const t = await setup();
    t.sim.jam(true);
    await until(() => t.driver.state === 'fault', 1000, 'ST FAULT seen');
    expect(t.driver.health).toBe('degraded');
    const r = await t.driver.open();
    expect(r).toMatchObject({ ok: false, failure: 'refused', reason: 'ERR FAULT' });
    expect(t.errors.some((e) => e.errorCode === ErrorCode.BarrierRefused)).toBe(true);
    t.sim.jam(false);
    const again = await t.driver.open();
    expect(again).toMatchObject({ ok: true });
    expect(t.driver.health).toBe('online');
  });

  it('goes offline when unplugged and is back within 2 s of the barrier returning', async () => {
    const t = await setup();
    await t.sim.unplug();
    await until(() => t.driver.health === 'offline', 2000, 'offline');
    expect(t.driver.state).toBe('unknown');
    expect(await t.driver.open()).toMatchObject({ ok: false, failure: 'offline' });
    await sleep(1200);
    await t.sim.replug();
    const back = Date.now();
    await until(() => t.driver.health === 'online', 3000, 'online again');
    expect(Date.now() - back).toBeLessThan(2000);
    expect(t.driver.state).toBe('closed');
  });
});

describe('serial barrier driver with a hand-written peer (in-process line, ManualClock)', () => {
  /** The driver on an in-memory line whose far end answers each command line with `answer`. */
  function peer(config: Record<string, unknown>, answer: (cmd: string) => string | undefined) {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/b');
    const got: string[] = [];
    device.on('data', (c: Buffer) => {
      for (const cmd of c.toString().split('\r').filter(Boolean)) {
        got.push(cmd.trim());
        const reply = answer(cmd.trim());
        if (reply) void device.write(Buffer.from(reply));
      }
    });
    const driver = createSerialBarrierDriver({
      config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' }, ...config }),
      opener: hub,
      clock,
      log,
    });
    return { clock, device, got, driver };
  }

  it('a command with no reply in 500 ms has failed; unknown and garbled lines are counted', async () => {
    let answer = true;
    const { clock, device, got, driver } = peer({}, (cmd) =>
      cmd === 'STATUS' && answer ? 'ST CLOSED LOOP=0\r' : undefined,
    );
    const errors: DeviceErrorEvent[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(driver.state).toBe('closed');
    let result: BarrierCommandResult | undefined;
    void driver.open().then((r) => {
      result = r;
    });
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(got).toEqual(['STATUS', 'OPEN']);
    await clock.advance(499);
    expect(result).toMatchObject({ ok: false, failure: 'no-reply' });
    expect(errors.some((e) => e.errorCode === ErrorCode.BarrierNoReply)).toBe(true);
    await device.write(Buffer.from([...Buffer.from('HELLO\r'), 0x01, 0x02, 0xff, 0x0d]));
    await clock.advance(1);
    expect(driver.counters()).toMatchObject({ discardedBytes: 3 });
    // A barrier that stops answering STATUS shows offline.
    answer = false;
    for (let i = 0; i < 6; i++) await clock.advance(1000);
    expect(driver.health).toBe('offline');
    await driver.stop();
  });

  it('a barrier silent at connect is asked again every second, not at the 5 s interval: online within a second of its first answer', async () => {
    let answer = false;
    const { clock, got, driver } = peer({}, (cmd) =>
      cmd === 'STATUS' && answer ? 'ST CLOSED LOOP=0\r' : undefined,
    );
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(got).toEqual(['STATUS']);
    await clock.advance(500); // the reply timeout
    expect(driver.health).toBe('offline');
    answer = true; // the barrier has booted
    for (let i = 0; i < 10; i++) await clock.advance(100);
    expect(got.filter((c) => c === 'STATUS')).toHaveLength(2);
    expect(driver.health).toBe('online');
    expect(driver.state).toBe('closed');
    // Answered: back to one STATUS every interval.
    got.length = 0;
    for (let i = 0; i < 40; i++) await clock.advance(100);
    expect(got.filter((c) => c === 'STATUS')).toHaveLength(0);
    await clock.advance(1100);
    expect(got.filter((c) => c === 'STATUS')).toHaveLength(1);
    await driver.stop();
  });

  it('sends OPEN at once while a STATUS awaits its answer, and never queues STATUS behind STATUS', async () => {
    let answerStatus = true;
    const { clock, got, driver } = peer({ statusIntervalMs: 100, replyTimeoutMs: 500 }, (cmd) => {
      if (cmd === 'STATUS') return answerStatus ? 'ST CLOSED LOOP=0\r' : undefined;
      return cmd === 'OPEN' ? 'OK\rST OPENING LOOP=0\r' : undefined;
    });
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(driver.state).toBe('closed');
    // The barrier goes quiet on STATUS: one is outstanding when the truck's OPEN comes.
    answerStatus = false;
    got.length = 0;
    await clock.advance(100);
    expect(got).toEqual(['STATUS']);
    void driver.open();
    await clock.advance(1);
    expect(got).toEqual(['STATUS', 'OPEN']);
    expect(driver.state).toBe('opening');
    // An ST line answers the STATUS too; while one is unanswered no other is sent or queued.
    answerStatus = false;
    got.length = 0;
    for (let i = 0; i < 20; i++) await clock.advance(100);
    const asked = got.filter((c) => c === 'STATUS').length;
    expect(asked).toBeGreaterThan(0);
    expect(asked).toBeLessThanOrEqual(5); // one per reply timeout (500 ms), not one per interval
    answerStatus = true;
    got.length = 0;
    await clock.advance(1);
    await clock.advance(1);
    expect(got.filter((c) => c === 'STATUS').length).toBeLessThanOrEqual(1); // no backlog flushed
    await driver.stop();
  });
});
