import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { BaySensorBusConfigSchema } from '../../devices/bay-sensor/config.ts';
import { ThermometerConfigSchema } from '../../devices/thermometer/config.ts';
import { PtyAttachment } from '../../sim/attach/attachment.ts';
import { SimBaySensorBus } from '../../sim/devices/bay-sensor/bus.ts';
import { tenthsRegister } from '../../sim/devices/modbus/pdu.ts';
import { ThermometerStatus } from '../../sim/devices/thermometer/model.ts';
import { SimThermometer } from '../../sim/devices/thermometer/thermometer.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

/**
 * An independent Modbus master: Debian's mbpoll (libmodbus) reads the simulated devices over
 * real PTYs. mbpoll prints one `[<ref>]: \t<value>` line per register, unsigned, with the
 * signed value in parentheses when it is negative (`[1]: \t65526 (-10)`). With `-0` the
 * reference is the 0-based PDU address; without it `-r 1` means address 0.
 */
interface MbpollResult {
  code: number;
  registers: Map<number, number>;
  stdout: string;
  stderr: string;
}

function mbpoll(args: string[]): Promise<MbpollResult> {
  return new Promise((resolve) => {
    execFile('mbpoll', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const registers = new Map<number, number>();
      for (const m of stdout.matchAll(/^\[(\d+)\]:\s+(\d+)/gm)) registers.set(Number(m[1]), Number(m[2]));
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, registers, stdout, stderr });
    });
  });
}

const rtu = (baud: number, address: string) => [
  '-m',
  'rtu',
  '-a',
  address,
  '-b',
  String(baud),
  '-P',
  'none',
  '-1',
];

describe('mbpoll (libmodbus) reads the simulated Modbus devices over PTYs', () => {
  const clock = new ManualClock();
  const att = new PtyAttachment();
  let thermo: SimThermometer;
  let bus: SimBaySensorBus;

  beforeAll(async () => {
    const dir = await makeTempDir();
    thermo = new SimThermometer(
      ThermometerConfigSchema.parse({ port: { path: `${dir}/thermometer` } }),
      att,
      {
        clock,
        ambientC: -2.5,
      },
    );
    bus = new SimBaySensorBus(
      BaySensorBusConfigSchema.parse({
        id: 'bus-1',
        port: { path: `${dir}/yard-bus-1` },
        sensors: [{ bayPrefix: 'P', fromBay: 1, toBay: 200, firstAddress: 1 }],
      }),
      att,
    );
    await Promise.all([thermo.start(), bus.start()]);
  });

  afterAll(async () => {
    await Promise.all([thermo?.stop(), bus?.stop()]);
    await att.close();
    await removeTempDirs();
  });

  it('reads the thermometer input registers IR0-IR2 (FC04), 0-based and 1-based references alike', async () => {
    thermo.presentTarget(37.6);
    await clock.advance(thermo.model.settleMs);
    const path = thermo.port.path;
    const zero = await mbpoll([...rtu(9600, '1'), '-t', '3', '-r', '0', '-c', '3', '-0', path]);
    expect(zero.code, zero.stderr).toBe(0);
    const expected = [
      tenthsRegister(37.6),
      tenthsRegister(-2.5),
      ThermometerStatus.TargetPresent | ThermometerStatus.Stable,
    ];
    expect([zero.registers.get(0), zero.registers.get(1), zero.registers.get(2)]).toEqual(expected);
    expect(zero.stdout).toMatch(/\(-25\)/); // mbpoll shows the signed ambient too

    const one = await mbpoll([...rtu(9600, '1'), '-t', '3', '-r', '1', '-c', '3', path]);
    expect(one.code, one.stderr).toBe(0);
    expect([one.registers.get(1), one.registers.get(2), one.registers.get(3)]).toEqual(expected);
  });

  it('gets a timeout from a thermometer polled at another address, and exception 01 for holding registers', async () => {
    const path = thermo.port.path;
    const other = await mbpoll([...rtu(9600, '2'), '-t', '3', '-c', '3', '-o', '0.2', path]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/timed out/i);
    const holding = await mbpoll([...rtu(9600, '1'), '-t', '4', '-c', '3', path]);
    expect(holding.code).not.toBe(0);
    expect(holding.stderr).toMatch(/illegal function/i);
  });

  it('reads bay sensors on a multi-drop bus at 19200 baud, several slave addresses in one run', async () => {
    bus.occupy('P-0042', 157);
    bus.occupy('P-0044');
    const path = bus.port.path;
    const one = await mbpoll([...rtu(19200, '42'), '-t', '3', '-r', '0', '-c', '2', '-0', path]);
    expect(one.code, one.stderr).toBe(0);
    expect([one.registers.get(0), one.registers.get(1)]).toEqual(bus.sensor('P-0042').registers());
    expect(one.registers.get(0)).toBe(1);

    const several = await mbpoll([...rtu(19200, '42:44'), '-t', '3', '-r', '0', '-c', '2', '-0', path]);
    expect(several.code, several.stderr).toBe(0);
    const blocks = several.stdout.split('-- Polling slave').slice(1);
    expect(blocks.length).toBe(3);
    const occupied = blocks.map((b) => Number(/^\[0\]:\s+(\d+)/m.exec(b)?.[1]));
    expect(occupied).toEqual(['P-0042', 'P-0043', 'P-0044'].map((l) => bus.sensor(l).registers()[0]));
    expect(occupied).toEqual([1, 0, 1]);
  });
});
