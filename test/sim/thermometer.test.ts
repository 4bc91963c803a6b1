import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { hasValidCrc, withCrc } from '../../devices/modbus/crc.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { ThermometerConfigSchema } from '../../devices/thermometer/config.ts';
import { InProcessAttachment, PtyAttachment, type SerialAttachment } from '../../sim/attach/attachment.ts';
import { ModbusExceptionCode } from '../../sim/devices/modbus/pdu.ts';
import { FAULT_REGISTER, ThermometerModel, ThermometerStatus } from '../../sim/devices/thermometer/model.ts';
import { SimThermometer } from '../../sim/devices/thermometer/thermometer.ts';
import { modbusSilenceMs, wireTimeMs } from '../../sim/pacing.ts';
import { RawModbusMaster, SILENCE_MS } from '../support/modbus-host.ts';
import { isProcessAlive } from '../support/pty.ts';
import { format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const attachments: SerialAttachment[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await Promise.all(attachments.splice(0).map((a) => a.close()));
  await removeTempDirs();
});

/** The poll of datasheet section 2: FC04, start 0, quantity 3, at `address`. */
function poll(address = 1): Buffer {
  return withCrc(Buffer.from([address, 0x04, 0x00, 0x00, 0x00, 0x03]));
}

/** Decodes a 3-register FC04 reply. */
function decode(reply: Buffer): { objectC: number; ambientC: number; status: number } {
  expect(hasValidCrc(reply)).toBe(true);
  expect(reply[2]).toBe(6);
  return {
    objectC: reply.readInt16BE(3) / 10,
    ambientC: reply.readInt16BE(5) / 10,
    status: reply.readUInt16BE(7),
  };
}

async function ptyThermometer(opts: { slaveAddress?: number; baudRate?: number } = {}) {
  const clock = new ManualClock();
  const att = new PtyAttachment();
  attachments.push(att);
  const dir = await makeTempDir();
  const cfg = ThermometerConfigSchema.parse({
    port: { path: `${dir}/thermometer`, baudRate: opts.baudRate ?? 9600 },
    slaveAddress: opts.slaveAddress ?? 1,
  });
  const thermo = new SimThermometer(cfg, att, { clock, ambientC: 21.5 });
  await thermo.start();
  closers.push(() => thermo.stop());
  const host = await openHostEnd(cfg.port.path, format8N1(cfg.port.baudRate));
  closers.push(() => host.close());
  return { clock, att, cfg, thermo, host, master: new RawModbusMaster(host) };
}

describe('thermometer model (datasheet section 2 registers, on the injected clock)', () => {
  it('reads ambient with no target, settles on a target, then flags it stable', async () => {
    const clock = new ManualClock();
    const m = new ThermometerModel({ clock, ambientC: 20, settleMs: 400 });
    expect(m.reading()).toMatchObject({ objectC: 20, present: false, stable: false, fault: false });
    m.presentTarget(37.0);
    expect(m.registers()[2]).toBe(ThermometerStatus.TargetPresent);
    await clock.advance(200);
    expect(m.reading().objectC).toBeCloseTo(28.5, 6); // half-way from 20 to 37
    expect(m.reading().stable).toBe(false);
    await clock.advance(200);
    expect(m.registers()).toEqual([370, 200, ThermometerStatus.TargetPresent | ThermometerStatus.Stable]);
    m.removeTarget();
    expect(m.registers()).toEqual([200, 200, 0]);
  });

  it('encodes negative temperatures as signed 16-bit tenths and a fault as bit 2 with invalid readings', () => {
    const clock = new ManualClock();
    const m = new ThermometerModel({ clock, ambientC: -12.3 });
    expect(m.registers()[1]).toBe(0x10000 - 123);
    m.setFault(true);
    const [ir0, ir1, ir2] = m.registers();
    expect(ir2 & ThermometerStatus.SensorFault).toBe(ThermometerStatus.SensorFault);
    expect(ir2 & ThermometerStatus.Stable).toBe(0);
    expect([ir0, ir1]).toEqual([FAULT_REGISTER, FAULT_REGISTER]);
    m.setFault(false);
    expect(m.registers()[2] & ThermometerStatus.SensorFault).toBe(0);
  });
});

describe('simulated thermometer over a real PTY', () => {
  it('answers the datasheet poll with IR0-IR2, within the 150 ms response timeout and never before wire time', async () => {
    const { clock, thermo, master, cfg } = await ptyThermometer();
    thermo.presentTarget(36.8);
    await clock.advance(thermo.model.settleMs);
    const f = format8N1(cfg.port.baudRate);
    const minMs = wireTimeMs(f, 8) + modbusSilenceMs(f) + wireTimeMs(f, 11);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { reply, ms } = await master.request(poll());
      expect(reply.length).toBe(11);
      expect(decode(reply)).toEqual({
        objectC: 36.8,
        ambientC: 21.5,
        status: ThermometerStatus.TargetPresent | ThermometerStatus.Stable,
      });
      expect(ms).toBeGreaterThanOrEqual(minMs);
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(cfg.responseTimeoutMs);
  });

  it('follows the control API: target, ambient, sensor fault, target gone', async () => {
    const { clock, thermo, master } = await ptyThermometer();
    expect(decode((await master.request(poll())).reply)).toMatchObject({ objectC: 21.5, status: 0 });
    thermo.presentTarget(38.2);
    expect(decode((await master.request(poll())).reply).status).toBe(ThermometerStatus.TargetPresent);
    await clock.advance(thermo.model.settleMs);
    thermo.setAmbient(5);
    expect(decode((await master.request(poll())).reply)).toMatchObject({
      objectC: 38.2,
      ambientC: 5,
      status: 3,
    });
    thermo.setFault(true);
    const faulted = decode((await master.request(poll())).reply);
    expect(faulted.status & ThermometerStatus.SensorFault).toBe(ThermometerStatus.SensorFault);
    thermo.setFault(false);
    thermo.removeTarget();
    expect(decode((await master.request(poll())).reply)).toMatchObject({ objectC: 5, status: 0 });
  });

  it('uses its configured slave address and baud rate; silent for address 1 then', async () => {
    const { master, cfg } = await ptyThermometer({ slaveAddress: 7, baudRate: 19200 });
    const f = format8N1(cfg.port.baudRate);
    expect((await master.request(poll(1), SILENCE_MS)).reply.length).toBe(0);
    const { reply, ms } = await master.request(poll(7));
    expect(reply[0]).toBe(7);
    expect(hasValidCrc(reply)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(wireTimeMs(f, 8) + modbusSilenceMs(f) + wireTimeMs(f, 11));
  });

  it('can be told to answer an exception (a fault behaviour layered first) and back', async () => {
    const { thermo, master } = await ptyThermometer();
    const remove = thermo.unit.use(
      () => ({ kind: 'exception', code: ModbusExceptionCode.ServerDeviceBusy }),
      {
        first: true,
      },
    );
    const busy = (await master.request(poll())).reply;
    expect([busy[1], busy[2]]).toEqual([0x84, ModbusExceptionCode.ServerDeviceBusy]);
    remove();
    expect((await master.request(poll())).reply.length).toBe(11);
    // A behaviour that throws does not take the slave down: exception 04, counted.
    const broken = thermo.unit.use(
      () => {
        throw new Error('bug in a fault behaviour');
      },
      { first: true },
    );
    const failed = (await master.request(poll())).reply;
    expect([failed[1], failed[2]]).toEqual([0x84, ModbusExceptionCode.ServerDeviceFailure]);
    expect(thermo.unit.behaviourErrors).toBe(1);
    broken();
    expect((await master.request(poll())).reply.length).toBe(11);
  });

  it('unplug makes the path vanish and the host end close; replug brings it back', async () => {
    const { thermo, host, cfg, att } = await ptyThermometer();
    const pids = att.pids();
    const closed = new Promise<Error | undefined>((resolve) => host.once('close', resolve));
    await thermo.unplug();
    expect(await closed).toBeInstanceOf(Error);
    expect(existsSync(cfg.port.path)).toBe(false);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);

    await thermo.replug();
    expect(existsSync(cfg.port.path)).toBe(true);
    const again = await openHostEnd(cfg.port.path, format8N1(9600));
    closers.push(() => again.close());
    const { reply } = await new RawModbusMaster(again).request(poll());
    expect(reply.length).toBe(11);
  });
});

describe('simulated thermometer in-process', () => {
  it('answers through the in-process hub, paced like the PTY', async () => {
    const hub = new InProcessSerialHub();
    const att = new InProcessAttachment(hub);
    attachments.push(att);
    const cfg = ThermometerConfigSchema.parse({ port: { path: 'var/dev/t1' } });
    const thermo = new SimThermometer(cfg, att, { clock: new ManualClock(), ambientC: 23 });
    await thermo.start();
    closers.push(() => thermo.stop());
    const f = format8N1(9600);
    const master = new RawModbusMaster(await hub.open(cfg.port));
    const { reply, ms } = await master.request(poll());
    expect(decode(reply)).toMatchObject({ objectC: 23, ambientC: 23, status: 0 });
    expect(ms).toBeGreaterThanOrEqual(wireTimeMs(f, 8) + modbusSilenceMs(f) + wireTimeMs(f, 11));
    await thermo.unplug();
    expect(hub.isPlugged(cfg.port.path)).toBe(false);
    await thermo.replug();
    expect(hub.isPlugged(cfg.port.path)).toBe(true);
  });
});
