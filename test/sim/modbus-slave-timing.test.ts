import { afterEach, describe, expect, it } from 'vitest';
import { withCrc } from '../../devices/modbus/crc.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { InProcessAttachment } from '../../sim/attach/attachment.ts';
import { DevicePort } from '../../sim/devices/device-port.ts';
import { RtuFramer } from '../../sim/devices/modbus/rtu-framer.ts';
import { inputRegisters, ModbusRtuSlave, ModbusUnit } from '../../sim/devices/modbus/slave.ts';
import { modbusSilenceMs, type WireSpan, wireTimeMs } from '../../sim/pacing.ts';
import { ByteRecorder, format8N1 } from '../support/recorder.ts';

const attachments: InProcessAttachment[] = [];
afterEach(async () => {
  await Promise.all(attachments.splice(0).map((a) => a.close()));
});

/** Holds this thread for `ms`, as a busy process that notices its timers late. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe("the simulated Modbus slave's answer on the wire", () => {
  it("the framer says when the frame's silence ended on the wire, not when it noticed", async () => {
    const silence = 3.5;
    const frames: { frame: Buffer; silenceEndAt: number }[] = [];
    const framer = new RtuFramer(silence, (frame, silenceEndAt) => frames.push({ frame, silenceEndAt }));
    const end = performance.now() - 50; // the bytes' wire span ended 50 ms ago
    framer.push(Buffer.from([1, 4]), end - 2, end - 1);
    framer.push(Buffer.from([0, 0]), end - 1, end);
    await new Promise((r) => setTimeout(r, 10));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.frame.toString('hex')).toBe('01040000');
    expect(frames[0]?.silenceEndAt).toBe(end + silence);
    // A frame ended by the next frame's first byte: its silence ended all the same.
    const next = Math.round(performance.now()) + 100; // whole: next + 1 + silence - (next + 1) is exactly 3.5
    framer.push(Buffer.from([2]), next, next + 1);
    framer.push(Buffer.from([3]), next + 1 + silence, next + 2 + silence);
    expect(frames).toHaveLength(2);
    expect(frames[1]?.silenceEndAt).toBe(next + 1 + silence);
    framer.reset();
  });

  it("begins its answer when the request's t3.5 ended, though this process noticed it 200 ms late", async () => {
    const hub = new InProcessSerialHub();
    const att = new InProcessAttachment(hub);
    attachments.push(att);
    const f = format8N1(9600);
    const port = new DevicePort(att, { path: '/dev/mb0', ...f });
    await port.plug();
    const slave = new ModbusRtuSlave(port);
    slave.addUnit(new ModbusUnit(1, [inputRegisters(() => Array.from({ length: 60 }, (_, i) => i))]));
    slave.start();
    const host = await hub.open({ path: '/dev/mb0', ...f });
    const rec = new ByteRecorder(host);
    // Read 60 input registers: an 8-byte request, a 125-byte answer (130 ms at 9600 baud).
    const request = withCrc(Buffer.from([1, 4, 0, 0, 0, 60]));
    // Once the request has crossed the wire to the slave (its framer has it and waits for the
    // silence), the process is busy until 200 ms after that silence ended: its timer fires late.
    let silenceEnd = Number.NaN;
    let stallEnd = Number.NaN;
    port.once('data', (_bytes: Buffer, span: WireSpan) => {
      silenceEnd = span.end + modbusSilenceMs(f);
      stall(silenceEnd + 200 - performance.now());
      stallEnd = performance.now();
    });
    await host.write(request);
    const answer = await rec.waitForBytes(125);
    expect(answer.subarray(0, 3).toString('hex')).toBe('010478');
    // A sensor's UART began at the silence's end: by the stall's end every byte of its answer
    // was on the wire, so it arrives at once (paced from the moment noticed, it would take 130 ms).
    const last = rec.chunks.at(-1)?.at ?? Number.NaN;
    expect(last - stallEnd).toBeLessThan(wireTimeMs(f, 125) / 2);
    // Never before its own wire time from the silence's end.
    let count = 0;
    for (const c of rec.chunks) {
      count += c.bytes.length;
      expect(c.at).toBeGreaterThanOrEqual(silenceEnd + wireTimeMs(f, count) - 0.001);
    }
    slave.stop();
  });
});
