import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { ModbusRtuMaster } from '../../../devices/modbus/master.ts';
import type { SerialLink } from '../../../devices/serial/link.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';
import { handWrittenSlave, registersAnswer, type Script } from '../support/misbehaving-modbus-slave.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { sleep, until } from '../support/wait.ts';

/**
 * Issue 18, item 12, against an independent peer on a real PTY: a slave written here from the
 * datasheet (none of the master's code but the CRC) that answers late, from the wrong address,
 * with the wrong function or a short byte count.
 */
const log = silentLogger();

describe('Modbus master against a misbehaving hand-written slave (real PTY)', () => {
  let pty: PtyPair | undefined;
  let transport: SerialTransport | undefined;
  let peer: SerialLink | undefined;
  afterEach(async () => {
    await transport?.stop();
    await peer?.close().catch(() => undefined);
    await pty?.close();
    pty = transport = peer = undefined;
  });

  async function setup(script: Script) {
    pty = await openPtyPair('modbus');
    const opener = new SerialPortOpener();
    const settings = SerialPortSettingsSchema.parse({ path: pty.hostPath });
    peer = await opener.open({ ...settings, path: pty.devicePath });
    const slave = handWrittenSlave(peer, script);
    transport = new SerialTransport({ settings, opener, clock: systemClock, log });
    transport.start();
    const t = transport;
    await until(() => t.isUp, 3000, 'port open');
    const master = new ModbusRtuMaster({ transport: t, clock: systemClock, log });
    return { master, slave };
  }

  it('a late answer is drained during the guard, never taken as the next poll answer', async () => {
    // Poll n is answered with registers [n, n, n]: the first 260 ms late (after the 150 ms
    // timeout), the others at once.
    const { master, slave } = await setup(({ n, address, fn }) => ({
      afterMs: n === 1 ? 260 : 5,
      bytes: registersAnswer(address, fn, [n, n, n]),
    }));
    const first = await master.readInputRegisters(1, 0, 3, 150);
    expect(first).toMatchObject({ ok: false, kind: 'timeout', error: { code: ErrorCode.ModbusTimeout } });
    // The next polls follow at once, as the thermometer's would (a slow poll delays the next).
    const second = await master.readInputRegisters(1, 0, 3, 150);
    const third = await master.readInputRegisters(1, 0, 3, 150);
    expect(second).toMatchObject({ ok: true, registers: [2, 2, 2] });
    expect(third).toMatchObject({ ok: true, registers: [3, 3, 3] });
    expect(slave.ignored).toBe(0);
    expect(master.stats).toMatchObject({ timeouts: 1, responses: 2, unexpectedFrames: 1, guardWaits: 1 });
  });

  it('malformed answers are bad frames (303), never timeouts (300)', async () => {
    const cases: { name: string; answer: (address: number, fn: number) => Buffer; why: RegExp }[] = [
      { name: 'wrong address', answer: (a, f) => registersAnswer(a + 1, f, [1, 2, 3]), why: /address 2/ },
      { name: 'wrong function', answer: (a) => registersAnswer(a, 0x03, [1, 2, 3]), why: /function 0x3/ },
      { name: 'short byte count', answer: (a, f) => registersAnswer(a, f, [1, 2]), why: /byte count 4/ },
      {
        name: 'cut-off answer',
        answer: (a, f) => registersAnswer(a, f, [1, 2, 3]).subarray(0, 7),
        why: /7 bytes that are no frame/,
      },
    ];
    let which = 0;
    const { master } = await setup(({ address, fn }) => ({
      afterMs: 5,
      bytes: cases[which]!.answer(address, fn),
    }));
    for (const c of cases) {
      const r = await master.readInputRegisters(1, 0, 3, 150);
      expect(r, c.name).toMatchObject({
        ok: false,
        kind: 'bad-frame',
        error: { code: ErrorCode.ModbusBadFrame },
      });
      if (!r.ok) expect(r.error.message, c.name).toMatch(c.why);
      which++;
      await sleep(20);
    }
    expect(master.stats).toMatchObject({ badFrames: cases.length, timeouts: 0 });
  });
});
