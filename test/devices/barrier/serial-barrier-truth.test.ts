import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, ManualClock, ScaledClock, systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { SerialBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createSerialBarrierDriver, type SerialBarrier } from '../../../devices/barrier/serial-barrier.ts';
import type {
  BarrierCommandResult,
  BarrierStateEvent,
  DeviceErrorEvent,
  HealthEvent,
} from '../../../devices/events.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { closeAllPtys, openPtyPair } from '../../support/pty.ts';
import { sleep, until } from '../support/wait.ts';
import { DatasheetBarrierPeer, type DatasheetPeerOptions } from './support/datasheet-barrier-peer.ts';

const log = silentLogger();

/**
 * The serial barrier's own reports are the truth about its arm, whatever happens to the OK/ERR
 * replies (issue 18, items 7, 8, 11, 18): checked against a barrier written from the datasheet
 * (not the simulator) on a real PTY.
 */
describe('serial barrier: status lines are the truth (datasheet peer on a real PTY)', () => {
  let driver: SerialBarrier | undefined;
  let peer: DatasheetBarrierPeer | undefined;
  afterEach(async () => {
    await driver?.stop();
    await peer?.close();
    await closeAllPtys();
    driver = peer = undefined;
  });

  async function setup(o: Omit<DatasheetPeerOptions, 'devicePath'>, clock: Clock = systemClock) {
    const pty = await openPtyPair('barrier');
    peer = await DatasheetBarrierPeer.open({ devicePath: pty.device, ...o });
    const config = SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: pty.host } });
    driver = createSerialBarrierDriver({ config, opener: new SerialPortOpener(), clock, log });
    const errors: DeviceErrorEvent[] = [];
    const health: HealthEvent[] = [];
    const states: (BarrierStateEvent & { real: number })[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.on('health', (e) => health.push(e));
    driver.on('state', (e) => states.push({ ...e, real: Date.now() }));
    driver.start();
    await until(() => driver?.health !== 'offline' && driver?.state !== 'unknown', 4000, 'barrier up');
    return { driver, peer, errors, health, states };
  }

  it('the OK to OPEN is lost: ST OPENING/OPEN say the open took effect; a staff close is sent and closes the arm', async () => {
    const t = await setup({ dropOk: (cmd, n) => cmd === 'OPEN' && n === 1 });
    const opened = await t.driver.open();
    expect(opened).toMatchObject({ ok: true, state: 'open' });
    expect(t.peer.state).toBe('OPEN');
    const closed = await t.driver.close();
    expect(closed).toMatchObject({ ok: true, state: 'closed' });
    expect(t.peer.received.filter((c) => c === 'CLOSE')).toHaveLength(1);
    expect(t.peer.state).toBe('CLOSED');
    expect(t.driver.health).not.toBe('offline');
  });

  it('the OK to CLOSE is lost: the arm is reported closed, the close succeeds', async () => {
    const t = await setup({ dropOk: (cmd) => cmd === 'CLOSE' });
    expect(await t.driver.open()).toMatchObject({ ok: true });
    expect(await t.driver.close()).toMatchObject({ ok: true, state: 'closed' });
    expect(t.peer.state).toBe('CLOSED');
    await sleep(700); // past the reply timeout: the lost OK does not undo what the ST lines said
    expect(t.driver.state).toBe('closed');
  });

  it('every reply 700 ms late: opens and closes by the ST lines, never offline, no flapping, few error records', async () => {
    const t = await setup({ replyDelayMs: 700, travelMs: 300 });
    const started = Date.now();
    expect(await t.driver.open()).toMatchObject({ ok: true, state: 'open' });
    expect(t.peer.state).toBe('OPEN');
    expect(await t.driver.close()).toMatchObject({ ok: true, state: 'closed' });
    expect(t.peer.received.filter((c) => c === 'CLOSE')).toHaveLength(1);
    expect(t.peer.state).toBe('CLOSED');
    // ~8 s of late replies, with a STATUS every 1-5 s.
    await sleep(Math.max(0, 8000 - (Date.now() - started)));
    const states = t.health.map((h) => h.state);
    expect(states).not.toContain('offline');
    expect(states.length).toBeLessThanOrEqual(2); // online, then degraded; no back and forth
    expect(t.driver.health).toBe('degraded');
    expect(t.errors.filter((e) => e.errorCode === ErrorCode.BarrierNoReply).length).toBeLessThanOrEqual(4);
  }, 15_000);

  it('ERR LOOP to a CLOSE that crossed the vehicle’s ST line: the arm stays what the barrier says (open), not "opening"', async () => {
    const t = await setup({ initial: 'OPEN' });
    expect(t.driver.state).toBe('open');
    // The vehicle arrives as the staff close goes out: the barrier's ST OPEN LOOP=1 and the
    // CLOSE cross on the wire, and the barrier refuses the CLOSE with ERR LOOP.
    t.peer.putVehicle();
    const closing = t.driver.close();
    expect(await closing).toMatchObject({ ok: false, failure: 'unsafe' });
    await until(() => t.peer.sent.includes('ERR LOOP'), 1000, 'ERR LOOP sent');
    await sleep(300);
    expect(t.peer.moves).toEqual([]); // the arm never moved
    expect(t.driver.state).toBe('open');
    expect(t.driver.loop).toBe(true);
    const opening = t.states.filter((s) => s.state === 'opening');
    for (const o of opening) {
      const next = t.states.find((s) => s.real >= o.real && s.previous === 'opening');
      expect(next, 'an "opening" the barrier never reported must end at once').toBeDefined();
      expect((next?.real ?? 0) - o.real).toBeLessThan(300);
    }
    expect(t.peer.armDownOnVehicle).toBe(0);
  });

  it('on a clock at ×60 the reply timeout and the STATUS interval stay real time: no errors, no flapping', async () => {
    const t = await setup({}, new ScaledClock(60));
    t.peer.received.length = 0;
    await sleep(3000);
    // 5 s of real time between STATUS, not 83 ms; a 500 ms reply timeout, not 8 ms.
    expect(t.peer.received.filter((c) => c === 'STATUS').length).toBeLessThanOrEqual(1);
    expect(t.errors).toEqual([]);
    expect(t.health.map((h) => h.state)).toEqual(['online']);
  }, 10_000);
});

describe('serial barrier: a silent barrier (hand-written peer on an in-process line, ManualClock)', () => {
  it('reports no-reply until it is offline, then only counts: no error per retry', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/b');
    let answer = true;
    device.on('data', (c: Buffer) => {
      if (answer && c.toString().includes('STATUS')) void device.write(Buffer.from('ST CLOSED LOOP=0\r'));
    });
    const driver = createSerialBarrierDriver({
      config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' } }),
      opener: hub,
      clock,
      log,
    });
    const errors: DeviceErrorEvent[] = [];
    const health: string[] = [];
    driver.on('error', (e) => errors.push(e));
    driver.on('health', (e) => health.push(e.state));
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(driver.health).toBe('online');
    answer = false;
    const before = driver.counters().errors;
    for (let i = 0; i < 60; i++) await clock.advance(1000);
    expect(driver.health).toBe('offline');
    expect(driver.state).toBe('unknown'); // silent: where the arm is is not known
    expect(health).toEqual(['online', 'offline']);
    expect(errors.length).toBeLessThanOrEqual(3);
    expect(driver.counters().errors - before).toBeGreaterThanOrEqual(30); // still counted
    answer = true;
    for (let i = 0; i < 3; i++) await clock.advance(1000);
    expect(driver.health).toBe('online');
    expect(driver.state).toBe('closed');
    await driver.stop();
  });

  /** The driver on an in-memory line whose far end answers each command with `answer(cmd)`. */
  function peer(answer: (cmd: string) => string | undefined) {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/b');
    const got: string[] = [];
    device.on('data', (c: Buffer) => {
      for (const cmd of c.toString().split('\r').filter(Boolean)) {
        got.push(cmd);
        const reply = answer(cmd);
        if (reply) void device.write(Buffer.from(reply));
      }
    });
    const driver = createSerialBarrierDriver({
      config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' } }),
      opener: hub,
      clock,
      log,
    });
    return { clock, device, got, driver };
  }

  it('no reply to OPEN nor to the STATUS after it: the open fails, the arm is unknown, and a close is sent', async () => {
    let silent = false;
    const { clock, got, driver } = peer((cmd) =>
      !silent && cmd === 'STATUS' ? 'ST CLOSED LOOP=0\r' : undefined,
    );
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    expect(driver.state).toBe('closed');
    silent = true;
    let opened: BarrierCommandResult | undefined;
    void driver.open().then((r) => {
      opened = r;
    });
    await clock.advance(1);
    expect(driver.state).toBe('opening');
    await clock.advance(500); // OPEN's reply timeout: in doubt, STATUS asked
    expect(got.slice(-2)).toEqual(['OPEN', 'STATUS']);
    expect(opened).toBeUndefined();
    expect(driver.state).toBe('opening'); // it may be moving
    await clock.advance(500); // STATUS silent too
    expect(opened).toMatchObject({ ok: false, failure: 'no-reply' });
    expect(driver.state).toBe('unknown');
    got.length = 0;
    void driver.close();
    await clock.advance(1);
    expect(got).toContain('CLOSE'); // never "ok, closed" while the arm may be opening
    await driver.stop();
  });

  it('no reply to OPEN (nor its ST lines), but the STATUS after it says OPENING: the open goes on and succeeds', async () => {
    let st = 'CLOSED';
    const { clock, driver } = peer((cmd) => {
      if (cmd === 'OPEN') {
        st = 'OPENING'; // it moves; its OK and ST OPENING are lost on the line
        return undefined;
      }
      return cmd === 'STATUS' ? `ST ${st} LOOP=0\r` : undefined;
    });
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    let opened: BarrierCommandResult | undefined;
    void driver.open().then((r) => {
      opened = r;
    });
    await clock.advance(501);
    await clock.advance(1);
    expect(opened).toBeUndefined();
    expect(driver.state).toBe('opening');
    st = 'OPEN';
    await clock.advance(1000); // the next STATUS (asked again soon after a silence) finds it open
    await clock.advance(5000);
    expect(opened).toMatchObject({ ok: true, state: 'open' });
    await driver.stop();
  });

  it('one late STATUS reply does not make it offline', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/b');
    let late = false;
    device.on('data', (c: Buffer) => {
      if (!c.toString().includes('STATUS')) return;
      if (late) {
        late = false;
        clock.setTimeout(() => void device.write(Buffer.from('ST CLOSED LOOP=0\r')), 700);
      } else void device.write(Buffer.from('ST CLOSED LOOP=0\r'));
    });
    const driver = createSerialBarrierDriver({
      config: SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: '/dev/b' } }),
      opener: hub,
      clock,
      log,
    });
    const health: string[] = [];
    driver.on('health', (e) => health.push(e.state));
    driver.start();
    for (let i = 0; i < 5; i++) await clock.advance(1);
    late = true;
    for (let i = 0; i < 300; i++) await clock.advance(100);
    expect(health).toEqual(['online']);
    expect(driver.state).toBe('closed');
    await driver.stop();
  });
});
