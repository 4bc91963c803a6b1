import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { hasValidCrc } from '../../../devices/modbus/crc.ts';
import { type ModbusReadResult, ModbusRtuMaster } from '../../../devices/modbus/master.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';
import { registersAnswer } from '../support/misbehaving-modbus-slave.ts';

/**
 * Issue 18, item 12, as a property: whatever a slave does poll after poll (answer, stay silent,
 * answer late, answer from another address, with another function, a short byte count or a bad
 * CRC), a poll's result is its own answer or the failure of its own kind, never an earlier
 * poll's answer, and never a timeout when something malformed came.
 */
const log = silentLogger();

type Act = 'ok' | 'silent' | 'late' | 'wrong-address' | 'wrong-function' | 'short' | 'bad-crc';
const EXPECTED: Record<Act, ModbusReadResult['ok'] | string> = {
  ok: true,
  silent: 'timeout',
  late: 'timeout',
  'wrong-address': 'bad-frame',
  'wrong-function': 'bad-frame',
  short: 'bad-frame',
  'bad-crc': 'crc',
};
const CODES: Record<string, ErrorCode> = {
  timeout: ErrorCode.ModbusTimeout,
  'bad-frame': ErrorCode.ModbusBadFrame,
  crc: ErrorCode.ModbusCrc,
};

async function run(acts: Act[], lateMs: number[]): Promise<void> {
  const clock = new ManualClock();
  const hub = new InProcessSerialHub();
  const device = hub.plug('/dev/prop');
  let n = 0;
  let busyUntil = Number.NEGATIVE_INFINITY;
  device.on('data', (chunk: Buffer) => {
    if (chunk.length !== 8 || !hasValidCrc(chunk)) return;
    if (clock.now() < busyUntil) return; // a slave busy with a late answer ignores requests
    const i = n++;
    const act = acts[i] ?? 'ok';
    const [address, fn] = [chunk[0] as number, chunk[1] as number];
    const regs = [i, i, i];
    let bytes: Buffer | undefined;
    let after = 2;
    if (act === 'ok' || act === 'late') bytes = registersAnswer(address, fn, regs);
    if (act === 'late') after = 151 + 20 + (lateMs[i] ?? 0); // after the timeout (150 ms + wire time)
    if (act === 'wrong-address') bytes = registersAnswer(address + 1, fn, regs);
    if (act === 'wrong-function') bytes = registersAnswer(address, 0x03, regs);
    if (act === 'short') bytes = registersAnswer(address, fn, [i, i]);
    if (act === 'bad-crc') {
      bytes = registersAnswer(address, fn, regs);
      bytes[10] = (bytes[10] as number) ^ 0xff;
    }
    if (!bytes) return;
    const out = bytes;
    busyUntil = clock.now() + after;
    clock.setTimeout(() => void device.write(out), after);
  });
  const transport = new SerialTransport({
    settings: SerialPortSettingsSchema.parse({ path: '/dev/prop' }),
    opener: hub,
    clock,
    log,
  });
  transport.start();
  await clock.advance(0);
  const master = new ModbusRtuMaster({ transport, clock, log });
  for (let poll = 0; poll < acts.length; poll++) {
    const p = master.readInputRegisters(1, 0, 3, 150);
    let result: ModbusReadResult | undefined;
    void p.then((r) => {
      result = r;
    });
    for (let t = 0; t < 2000 && !result; t += 10) await clock.advance(10);
    if (!result) throw new Error(`poll ${poll} did not end`);
    const act = acts[n - 1] ?? 'ok';
    // The slave numbers the requests it took; the poll's own request is the last one it took.
    const expected = EXPECTED[act];
    if (expected === true) {
      expect(result, `poll ${poll} (${act})`).toMatchObject({ ok: true, registers: [n - 1, n - 1, n - 1] });
    } else {
      expect(result, `poll ${poll} (${act})`).toMatchObject({
        ok: false,
        kind: expected,
        error: { code: CODES[expected as string] },
      });
    }
  }
  master.detach();
  await transport.stop();
}

describe('Modbus answers are matched to their own poll (fast-check, in-process line)', () => {
  it('any sequence of slave behaviours gives each poll its own answer or its own failure', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.constantFrom<Act>('ok', 'silent', 'late', 'wrong-address', 'wrong-function', 'short', 'bad-crc'),
          { minLength: 1, maxLength: 12 },
        ),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 12, maxLength: 12 }),
        (acts, lateMs) => run(acts, lateMs),
      ),
      { numRuns: 60 },
    );
  });
});
