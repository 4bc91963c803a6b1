import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { crc16Modbus, hasValidCrc, withCrc } from '../../devices/modbus/crc.ts';
import { ThermometerConfigSchema } from '../../devices/thermometer/config.ts';
import { PtyAttachment } from '../../sim/attach/attachment.ts';
import type { PtyDeviceLink } from '../../sim/attach/pty-link.ts';
import { ModbusExceptionCode, ModbusFunction, rtuException } from '../../sim/devices/modbus/pdu.ts';
import { SimThermometer } from '../../sim/devices/thermometer/thermometer.ts';
import { RawModbusMaster, SILENCE_MS } from '../support/modbus-host.ts';
import { type FrameVector, loadVectors } from '../support/modbus-vectors.ts';
import { format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const vectors = loadVectors();

describe('rtu-vectors.txt: CRC-16/MODBUS', () => {
  it('the file parses into the vectors it holds, BAD ones included', () => {
    expect(vectors.crc.length).toBe(5);
    expect(vectors.frames.length).toBeGreaterThan(60);
    const bad = vectors.frames.filter((f) => !f.crcOk).map((f) => f.line);
    // BAD: B22, B23, B31 (requests), B36 BADCRC, B37 GARBAGE, B38 first half of STREAM, D66.
    expect(bad.length).toBe(7);
    expect(vectors.frames.filter((f) => f.calc).length).toBe(3);
  });

  it.each(vectors.crc)('section A, line $line: CRC register value and wire order', ({ input, crc, wire }) => {
    expect(crc16Modbus(input)).toBe(crc);
    expect(withCrc(input).subarray(-2).equals(wire)).toBe(true);
    expect(hasValidCrc(withCrc(input))).toBe(true);
  });

  it.each(vectors.frames.map((f): [string, FrameVector] => [`${f.section}${f.line} ${f.label}`, f]))(
    '%s: hasValidCrc agrees with the file',
    (_name, f) => {
      expect(hasValidCrc(f.bytes)).toBe(f.crcOk);
      if (f.calc) {
        // The file's re-computed CRC for a BAD frame, low byte first.
        const crc = crc16Modbus(f.bytes, 0, f.bytes.length - 2);
        expect(Buffer.from([crc & 0xff, crc >> 8]).equals(f.calc)).toBe(true);
      }
    },
  );
});

describe('rtu-vectors.txt: the simulated thermometer as a slave, over a real PTY', () => {
  const clock = new ManualClock();
  const att = new PtyAttachment();
  let thermo: SimThermometer;
  let host: PtyDeviceLink;
  let master: RawModbusMaster;

  beforeAll(async () => {
    const dir = await makeTempDir();
    const cfg = ThermometerConfigSchema.parse({ port: { path: `${dir}/thermometer` } });
    // Section D's libmodbus slave had input[0] = 0x016D (36.5), input[1] = 0xFFF6 (-1.0).
    thermo = new SimThermometer(cfg, att, { clock, ambientC: -1 });
    await thermo.start();
    thermo.presentTarget(36.5);
    await clock.advance(thermo.model.settleMs);
    host = await openHostEnd(cfg.port.path, format8N1(9600));
    master = new RawModbusMaster(host);
  });

  afterAll(async () => {
    await host?.close();
    await thermo?.stop();
    await att.close();
    await removeTempDirs();
  });

  it('answers the FC04 exchange captured from libmodbus byte for byte', async () => {
    const ex = vectors.exchanges.filter(
      (e) => e.request[0] === 1 && e.request[1] === ModbusFunction.ReadInputRegisters,
    );
    const captured = ex.filter((e) => e.section === 'D');
    expect(captured.length).toBe(1);
    for (const e of captured) {
      const { reply } = await master.request(e.request);
      expect(reply.toString('hex')).toBe(e.response.toString('hex'));
    }
  });

  it('stays silent for every request with a bad CRC, for other units and for broadcasts', async () => {
    const requests = vectors.frames.filter((f) => f.label === 'REQ' || f.label === 'SHORT');
    const silent = requests.filter((f) => !f.crcOk || f.bytes[0] !== 1);
    expect(silent.length).toBeGreaterThanOrEqual(6);
    const before = thermo.slave.stats;
    for (const f of silent) {
      const { reply } = await master.request(f.bytes, SILENCE_MS);
      expect(reply.length, `line ${f.line}: ${f.bytes.toString('hex')}`).toBe(0);
    }
    const after = thermo.slave.stats;
    expect(after.crcErrors - before.crcErrors).toBe(silent.filter((f) => !f.crcOk).length);
    expect(after.notForUs + after.broadcasts - before.notForUs - before.broadcasts).toBe(
      silent.filter((f) => f.crcOk).length,
    );
  });

  it('answers exception 01 to every other function the vectors send to unit 1 (it only has input registers)', async () => {
    const others = vectors.frames.filter(
      (f) =>
        (f.label === 'REQ' || f.label === 'SHORT' || (f.section === 'C' && f.label === 'FRAME')) &&
        f.crcOk &&
        f.bytes[0] === 1 &&
        f.bytes[1] !== ModbusFunction.ReadInputRegisters,
    );
    expect(new Set(others.map((f) => f.bytes[1])).size).toBeGreaterThanOrEqual(6);
    for (const f of others) {
      const { reply } = await master.request(f.bytes);
      expect(reply.toString('hex'), `line ${f.line}`).toBe(
        rtuException(1, f.bytes[1] as number, ModbusExceptionCode.IllegalFunction).toString('hex'),
      );
    }
    // The file's own exception-01 reply for function 07 (node-modbus-serial) is what we send for 01 07.
    const fc07 = vectors.exchanges.find((e) => e.response[1] === 0x87);
    expect(fc07).toBeDefined();
    const { reply } = await master.request(withCrc(Buffer.from([0x01, 0x07])));
    expect(reply.toString('hex')).toBe(fc07?.response.toString('hex'));
  });

  it('answers out-of-range FC04 reads with exceptions 02 and 03, as libmodbus does', async () => {
    // 128 registers: quantity over 125 -> 03 (node-modbus-serial's vector answers 04; the spec and libmodbus say 03).
    const big = vectors.frames.find(
      (f) => f.label === 'REQ' && f.bytes.toString('hex') === '010400000080f1aa',
    );
    expect(big).toBeDefined();
    expect((await master.request(big?.bytes ?? Buffer.alloc(0))).reply.toString('hex')).toBe(
      rtuException(1, 4, ModbusExceptionCode.IllegalDataValue).toString('hex'),
    );
    // Libmodbus in section D: quantity 0 -> 03, start beyond the table -> 02 (there for FC03).
    const libQ0 = vectors.exchanges.find(
      (e) => e.section === 'D' && e.request.subarray(2, 6).equals(Buffer.alloc(4)),
    );
    const libPast = vectors.exchanges.find(
      (e) => e.section === 'D' && e.request.readUInt16BE(2) > 3 && e.response[1] === 0x83,
    );
    expect(libQ0?.response[2]).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(libPast?.response[2]).toBe(ModbusExceptionCode.IllegalDataAddress);
    const q0 = (await master.request(withCrc(Buffer.from([1, 4, 0, 0, 0, 0])))).reply;
    expect(q0.toString('hex')).toBe(rtuException(1, 4, libQ0?.response[2] ?? -1).toString('hex'));
    const past = (await master.request(withCrc(Buffer.from([1, 4, 0, 3, 0, 1])))).reply;
    expect(past.toString('hex')).toBe(rtuException(1, 4, libPast?.response[2] ?? -1).toString('hex'));
  });

  it('drops a bad frame and answers the good one after it (frames separated by silence)', async () => {
    const good = vectors.exchanges.find((e) => e.section === 'D' && e.request[1] === 4);
    expect(good).toBeDefined();
    const bad = Buffer.from(good?.request ?? []);
    bad.writeUInt8((bad.at(-1) ?? 0) ^ 0xff, bad.length - 1);
    expect((await master.request(bad, SILENCE_MS)).reply.length).toBe(0);
    expect(
      (await master.request(good?.request ?? Buffer.alloc(0))).reply.equals(
        good?.response ?? Buffer.alloc(1),
      ),
    ).toBe(true);
  });

  it('treats two requests sent without t3.5 between them as one frame (bad CRC: silence)', async () => {
    const good = vectors.exchanges.find((e) => e.section === 'D' && e.request[1] === 4);
    const twice = Buffer.concat([good?.request ?? Buffer.alloc(0), good?.request ?? Buffer.alloc(0)]);
    const before = thermo.slave.stats.crcErrors;
    expect((await master.request(twice, SILENCE_MS)).reply.length).toBe(0);
    expect(thermo.slave.stats.crcErrors).toBe(before + 1);
  });
});
