import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { hasValidCrc, withCrc } from '../../../devices/modbus/crc.ts';
import { ModbusRtuMaster } from '../../../devices/modbus/master.ts';
import { type InProcessLink, InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';

const log = silentLogger();

type Behaviour = (request: Buffer) => Buffer[] | undefined;

/** A raw-byte slave on the device end: answers each 8-byte request as `behaviour` says. */
function rawSlave(device: InProcessLink, behaviour: Behaviour) {
  const requests: Buffer[] = [];
  device.on('data', (chunk: Buffer) => {
    requests.push(chunk);
    expect(hasValidCrc(chunk)).toBe(true);
    for (const part of behaviour(chunk) ?? []) void device.write(part);
  });
  return requests;
}

const answer = (address: number, regs: number[]) => {
  const b = Buffer.alloc(3 + regs.length * 2);
  b[0] = address;
  b[1] = 0x04;
  b[2] = regs.length * 2;
  for (const [i, r] of regs.entries()) b.writeUInt16BE(r & 0xffff, 3 + 2 * i);
  return withCrc(b);
};

async function setup(behaviour: Behaviour) {
  const clock = new ManualClock();
  const hub = new InProcessSerialHub();
  const device = hub.plug('/dev/rs485');
  const requests = rawSlave(device, behaviour);
  const transport = new SerialTransport({
    settings: SerialPortSettingsSchema.parse({ path: '/dev/rs485' }),
    opener: hub,
    clock,
    log,
  });
  transport.start();
  await clock.advance(0);
  const master = new ModbusRtuMaster({ transport, clock, log });
  return { clock, hub, device, requests, transport, master };
}

describe('ModbusRtuMaster (in-process line, hand-written slave)', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('reads input registers and sends a correct request', async () => {
    const s = await setup((req) => [answer(req[0]!, [365, 0xfff6, 3])]);
    stop = () => s.transport.stop();
    const p = s.master.readInputRegisters(1, 0, 3, 150);
    await s.clock.advance(5);
    expect(await p).toMatchObject({ ok: true, registers: [365, 0xfff6, 3] });
    expect(s.requests[0]?.toString('hex')).toBe('010400000003b00b');
    expect(s.master.stats).toMatchObject({ requests: 1, responses: 1 });
    expect(s.transport.counters).toMatchObject({ frames: 1, errors: 0 });
  });

  it('times out after the response timeout (plus wire time) when nothing answers', async () => {
    const s = await setup(() => undefined);
    stop = () => s.transport.stop();
    let result: unknown;
    void s.master.readInputRegisters(7, 0, 3, 150).then((r) => {
      result = r;
    });
    await s.clock.advance(0); // the request goes out; its timer starts now
    await s.clock.advance(150);
    expect(result).toBeUndefined();
    await s.clock.advance(30); // 8 + 11 bytes at 9600 baud: about 20 ms of wire time
    expect(result).toMatchObject({ ok: false, kind: 'timeout', error: { code: ErrorCode.ModbusTimeout } });
    expect(s.master.stats.timeouts).toBe(1);
  });

  it('reports exception responses with their code', async () => {
    const s = await setup((req) => [withCrc(Buffer.from([req[0]!, 0x84, 0x02]))]);
    stop = () => s.transport.stop();
    const p = s.master.readInputRegisters(1, 0x20, 1, 150);
    await s.clock.advance(5);
    expect(await p).toMatchObject({
      ok: false,
      kind: 'exception',
      exceptionCode: 2,
      error: { code: ErrorCode.ModbusException },
    });
  });

  it('reports a corrupted answer as a CRC error, not a timeout', async () => {
    const s = await setup((req) => {
      const a = answer(req[0]!, [1, 2, 3]);
      a[4] = (a[4] ?? 0) ^ 0x10;
      return [a];
    });
    stop = () => s.transport.stop();
    const p = s.master.readInputRegisters(1, 0, 3, 150);
    for (let i = 0; i < 3; i++) await s.clock.advance(1); // request out, answer back
    await s.clock.advance(200);
    expect(await p).toMatchObject({ ok: false, kind: 'crc', error: { code: ErrorCode.ModbusCrc } });
    expect(s.transport.counters.discardedBytes).toBeGreaterThanOrEqual(11);
  });

  it('finds the answer behind line noise and counts the noise', async () => {
    const s = await setup((req) => [Buffer.from([0xff, 0x00, 0x01, 0x04]), answer(req[0]!, [10, 20, 30])]);
    stop = () => s.transport.stop();
    const p = s.master.readInputRegisters(1, 0, 3, 150);
    await s.clock.advance(5);
    expect(await p).toMatchObject({ ok: true, registers: [10, 20, 30] });
    expect(s.transport.counters.discardedBytes).toBe(4);
  });

  it('ignores a late answer to an earlier request and serves the next one', async () => {
    let n = 0;
    const s = await setup((req) => (n++ === 0 ? undefined : [answer(req[0]!, [n])]));
    stop = () => s.transport.stop();
    const first = s.master.readInputRegisters(1, 0, 1, 50);
    await s.clock.advance(0);
    await s.clock.advance(100);
    expect(await first).toMatchObject({ ok: false, kind: 'timeout' });
    // A stray answer arrives between transactions.
    await s.device.write(answer(1, [99]));
    await s.clock.advance(1);
    const second = s.master.readInputRegisters(1, 0, 1, 50);
    await s.clock.advance(0);
    // After a timeout, the next request to the slave waits for 50 ms of quiet (the guard).
    await s.clock.advance(10);
    expect(s.requests).toHaveLength(1);
    await s.clock.advance(50);
    expect(await second).toMatchObject({ ok: true, registers: [2] });
    expect(s.master.stats).toMatchObject({ unexpectedFrames: 1, guardWaits: 1 });
  });

  it('fails the transaction at once when the port goes down, and queues requests one at a time', async () => {
    const s = await setup(() => undefined);
    stop = () => s.transport.stop();
    const a = s.master.readInputRegisters(1, 0, 1, 150);
    const b = s.master.readInputRegisters(2, 0, 1, 150);
    await s.clock.advance(0);
    await s.clock.advance(1);
    expect(s.requests).toHaveLength(1);
    s.hub.unplug('/dev/rs485');
    await s.clock.advance(10);
    expect(await a).toMatchObject({ ok: false, kind: 'port' });
    expect(await b).toMatchObject({ ok: false, kind: 'port' });
  });
});
