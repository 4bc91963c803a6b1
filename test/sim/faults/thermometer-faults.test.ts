import { afterEach, describe, expect, it } from 'vitest';
import { hasValidCrc, withCrc } from '../../../devices/modbus/crc.ts';
import { ModbusExceptionCode } from '../../../sim/devices/modbus/pdu.ts';
import { FAULT_REGISTER, ThermometerStatus } from '../../../sim/devices/thermometer/model.ts';
import { RawModbusMaster, SILENCE_MS } from '../../support/modbus-host.ts';
import { format8N1, openHostEnd } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { type FaultSite, faultSite } from '../support/fault-site.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

/** The datasheet's poll: FC04, start 0, quantity 3, slave 1. */
const POLL = withCrc(Buffer.from([1, 0x04, 0, 0, 0, 3]));

async function setUp(): Promise<{ fs: FaultSite; master: RawModbusMaster }> {
  const fs = await faultSite(await makeTempDir());
  closers.push(() => fs.stop());
  const host = await openHostEnd(fs.site.lane('ser').thermometer?.port.path ?? '', format8N1(9600));
  closers.push(() => host.close());
  return { fs, master: new RawModbusMaster(host) };
}

/** A valid 3-register reply, decoded. */
function registers(reply: Buffer): { ir0: number; ir1: number; status: number } {
  expect(reply.length).toBe(11);
  expect(hasValidCrc(reply)).toBe(true);
  return { ir0: reply.readInt16BE(3), ir1: reply.readInt16BE(5), status: reply.readUInt16BE(7) };
}

describe('thermometer faults on the wire (Modbus RTU over a PTY)', () => {
  it('thermometer-timeout: every poll goes unanswered for `for`, then answers again', async () => {
    const { fs, master } = await setUp();
    await fs.inject({ fault: 'thermometer-timeout', lane: 'ser', for: '20s' });
    expect((await master.request(POLL, SILENCE_MS)).reply.length).toBe(0);
    expect((await master.request(POLL, SILENCE_MS)).reply.length).toBe(0);
    await fs.clock.advance(20_000);
    registers((await master.request(POLL)).reply);
  });

  it('modbus-exception: function 0x84 with the exception code, valid CRC; default code 4', async () => {
    const { fs, master } = await setUp();
    await fs.inject({ fault: 'modbus-exception', lane: 'ser', code: 6, for: '5s' });
    const busy = (await master.request(POLL)).reply;
    expect([...busy.subarray(0, 3)]).toEqual([1, 0x84, ModbusExceptionCode.ServerDeviceBusy]);
    expect(hasValidCrc(busy)).toBe(true);
    await fs.clock.advance(5_000);
    registers((await master.request(POLL)).reply);

    await fs.inject({ fault: 'modbus-exception', lane: 'ser' });
    const failure = (await master.request(POLL)).reply;
    expect([...failure.subarray(0, 3)]).toEqual([1, 0x84, ModbusExceptionCode.ServerDeviceFailure]);
  });

  it('bad-crc with a count: that many replies of the right length with a wrong CRC, then good ones', async () => {
    const { fs, master } = await setUp();
    await fs.inject({ fault: 'bad-crc', lane: 'ser', count: 2 });
    for (let i = 0; i < 2; i++) {
      const bad = (await master.request(POLL)).reply;
      expect(bad.length).toBe(11);
      expect(hasValidCrc(bad)).toBe(false);
      // Only the CRC is wrong: the body is what the thermometer would have said.
      expect(hasValidCrc(withCrc(bad.subarray(0, 9)))).toBe(true);
    }
    registers((await master.request(POLL)).reply);
  });

  it('bad-crc for a duration: every reply is bad until it clears', async () => {
    const { fs, master } = await setUp();
    await fs.inject({ fault: 'bad-crc', lane: 'ser', for: '10s' });
    for (let i = 0; i < 3; i++) expect(hasValidCrc((await master.request(POLL)).reply)).toBe(false);
    await fs.clock.advance(10_000);
    registers((await master.request(POLL)).reply);
  });

  it('sensor-fault: status bit 2 set and IR0/IR1 at 0x8000 while present, until cleared', async () => {
    const { fs, master } = await setUp();
    fs.site.lane('ser').thermometer?.presentTarget(36.6);
    await fs.clock.advance(1_000);
    await fs.inject({ fault: 'sensor-fault', lane: 'ser', for: '30s' });
    const r = registers((await master.request(POLL)).reply);
    expect(r.status & ThermometerStatus.SensorFault).toBe(ThermometerStatus.SensorFault);
    expect(r.status & ThermometerStatus.Stable).toBe(0);
    expect([r.ir0 & 0xffff, r.ir1 & 0xffff]).toEqual([FAULT_REGISTER, FAULT_REGISTER]);
    await fs.clock.advance(30_000);
    const after = registers((await master.request(POLL)).reply);
    expect(after.status).toBe(ThermometerStatus.TargetPresent | ThermometerStatus.Stable);
    expect(after.ir0).toBe(366);
  });

  it('implausible-reading: IR0 reads `tempC` with the target present and stable, then the real reading', async () => {
    const { fs, master } = await setUp();
    fs.site.lane('ser').thermometer?.presentTarget(36.8);
    await fs.clock.advance(1_000);
    await fs.inject({ fault: 'implausible-reading', lane: 'ser', tempC: 61.5, for: '30s' });
    const r = registers((await master.request(POLL)).reply);
    expect(r.ir0).toBe(615);
    expect(r.status).toBe(ThermometerStatus.TargetPresent | ThermometerStatus.Stable);
    await fs.clock.advance(30_000);
    expect(registers((await master.request(POLL)).reply).ir0).toBe(368);
  });
});
