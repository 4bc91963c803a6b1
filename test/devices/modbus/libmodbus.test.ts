import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { ModbusRtuMaster } from '../../../devices/modbus/master.ts';
import { toInt16 } from '../../../devices/modbus/pdu.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';
import { buildLibmodbusSlave, type LibmodbusSlave, startLibmodbusSlave } from '../support/libmodbus-slave.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { sleep, until } from '../support/wait.ts';

/**
 * The independent check: our master against Debian's libmodbus 3.1.6 slave (C, compiled here)
 * over a real PTY pair. Nothing of our Modbus code is on the slave's side.
 */
describe('ModbusRtuMaster against a libmodbus slave on a PTY', () => {
  let build: ReturnType<typeof buildLibmodbusSlave>;
  let pty: PtyPair;
  let slave: LibmodbusSlave;
  let transport: SerialTransport;
  let master: ModbusRtuMaster;

  beforeAll(async () => {
    build = buildLibmodbusSlave();
    pty = await openPtyPair('mb');
    slave = await startLibmodbusSlave(build.binary, pty.devicePath, 9600, 1, [365, 0xfff6, 0b011]);
    transport = new SerialTransport({
      settings: SerialPortSettingsSchema.parse({ path: pty.hostPath }),
      opener: new SerialPortOpener(),
      clock: systemClock,
      log: silentLogger(),
    });
    transport.start();
    await until(() => transport.isUp);
    master = new ModbusRtuMaster({ transport, clock: systemClock, log: silentLogger() });
  });

  afterAll(async () => {
    master?.detach();
    await transport?.stop();
    await slave?.close();
    await pty?.close();
    build?.cleanup();
  });

  it('reads the thermometer map (FC04, 3 registers) 50 times out of 50', async () => {
    for (let i = 0; i < 50; i++) {
      const r = await master.readInputRegisters(1, 0, 3, 150);
      expect(r.ok).toBe(true);
      if (r.ok)
        expect([toInt16(r.registers[0]!), toInt16(r.registers[1]!), r.registers[2]]).toEqual([365, -10, 3]);
    }
    expect(master.stats).toMatchObject({ timeouts: 0, crcErrors: 0, exceptions: 0 });
  });

  it('sees register changes made in the slave', async () => {
    await slave.setInputRegister(0, 381);
    const r = await master.readInputRegisters(1, 0, 1, 150);
    expect(r).toMatchObject({ ok: true, registers: [381] });
  });

  it('reads holding registers too (FC03)', async () => {
    const r = await master.read(1, 0x03, 0, 2, 150);
    expect(r).toMatchObject({ ok: true, registers: [0, 0] });
  });

  it("understands libmodbus's exception 02 for an address past its map", async () => {
    const r = await master.readInputRegisters(1, 20, 1, 150);
    expect(r).toMatchObject({
      ok: false,
      kind: 'exception',
      exceptionCode: 2,
      error: { code: ErrorCode.ModbusException },
    });
  });

  it('times out for a slave id nobody has, and polls slave 1 again once libmodbus listens again', async () => {
    const t0 = Date.now();
    const r = await master.readInputRegisters(2, 0, 3, 150);
    const took = Date.now() - t0;
    expect(r).toMatchObject({ ok: false, kind: 'timeout', error: { code: ErrorCode.ModbusTimeout } });
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(1000);
    // libmodbus now ignores one frame within 0.5 s, taken for slave 2's answer (see the fixture).
    await sleep(500);
    for (let i = 0; i < 5; i++)
      expect(await master.readInputRegisters(1, 0, 3, 150)).toMatchObject({ ok: true });
  });
});
