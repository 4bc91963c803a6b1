import { afterEach, describe, expect, it } from 'vitest';
import { ScannerConfigSchema } from '../../devices/scanner/config.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { InProcessAttachment, PtyAttachment, type SerialAttachment } from '../../sim/attach/attachment.ts';
import { DevicePort } from '../../sim/devices/device-port.ts';
import { SimScanner } from '../../sim/devices/scanner/scanner.ts';
import {
  bitsPerChar,
  charTimeMs,
  type LineFormat,
  modbusSilenceMs,
  PACING_CHUNK_MS,
  PacedLine,
  wireTimeMs,
} from '../../sim/pacing.ts';
import { ByteRecorder, format8N1, openHostEnd, type ReceivedChunk } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const attachments: SerialAttachment[] = [];
afterEach(async () => {
  await Promise.all(attachments.splice(0).map((a) => a.close()));
  await removeTempDirs();
});

/** Every chunk arrived no earlier than the wire time of all bytes up to its last one. */
function assertNeverEarly(chunks: ReceivedChunk[], t0: number, f: LineFormat): void {
  let count = 0;
  for (const c of chunks) {
    count += c.bytes.length;
    expect(c.at - t0).toBeGreaterThanOrEqual(wireTimeMs(f, count));
  }
}

describe('wire arithmetic', () => {
  it('counts start, data, parity and stop bits', () => {
    expect(bitsPerChar(format8N1(9600))).toBe(10);
    expect(bitsPerChar({ baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1 })).toBe(11);
    expect(bitsPerChar({ baudRate: 9600, dataBits: 7, parity: 'odd', stopBits: 2 })).toBe(11);
    // 9600 8N1 = 1.0417 ms a byte; a 300-byte code takes 312.5 ms (TOOLCHAIN.md figures)
    expect(charTimeMs(format8N1(9600))).toBeCloseTo(1.0417, 4);
    expect(wireTimeMs(format8N1(9600), 300)).toBeCloseTo(312.5, 6);
    expect(wireTimeMs(format8N1(115200), 300)).toBeCloseTo(26.04, 2);
  });

  it('uses 3.5 character times of silence for Modbus, fixed 1.75 ms above 19200 baud', () => {
    expect(modbusSilenceMs(format8N1(9600))).toBeCloseTo(3.5 * charTimeMs(format8N1(9600)), 9);
    expect(modbusSilenceMs(format8N1(19200))).toBeCloseTo(3.5 * charTimeMs(format8N1(19200)), 9);
    expect(modbusSilenceMs(format8N1(38400))).toBe(1.75);
  });
});

describe('PacedLine in-process', () => {
  it('delivers a 300-byte burst at 9600 baud in small chunks, never early, in order', async () => {
    const hub = new InProcessSerialHub();
    const f = format8N1(9600);
    const line = new PacedLine(hub.plug('/dev/sim0'), f);
    const host = await hub.open({ path: '/dev/sim0', ...f });
    const rec = new ByteRecorder(host);
    const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));

    const t0 = performance.now();
    await line.write(payload);
    const got = await rec.waitForBytes(300);
    const elapsed = (rec.chunks.at(-1)?.at ?? 0) - t0;

    expect(got.equals(payload)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(312.5);
    expect(elapsed).toBeLessThan(2 * 312.5); // loose: shared cores; still says "paced at the baud rate"
    assertNeverEarly(rec.chunks, t0, f);
    // Small chunks: about PACING_CHUNK_MS each, so many of them (merged only when the loop lags).
    expect(rec.chunks.length).toBeGreaterThan(300 / Math.ceil(PACING_CHUNK_MS / charTimeMs(f)) / 4);
    expect(Math.max(...rec.chunks.map((c) => c.bytes.length))).toBeLessThan(300);
  });

  it('queues writes back to back: two bursts take the wire time of both', async () => {
    const hub = new InProcessSerialHub();
    const f = format8N1(19200);
    const line = new PacedLine(hub.plug('/dev/sim1'), f);
    const rec = new ByteRecorder(await hub.open({ path: '/dev/sim1', ...f }));
    const t0 = performance.now();
    const a = line.write(Buffer.alloc(100, 0x41));
    const b = line.write(Buffer.alloc(100, 0x42));
    await Promise.all([a, b]);
    const got = await rec.waitForBytes(200);
    expect(got.toString('latin1')).toBe('A'.repeat(100) + 'B'.repeat(100));
    expect((rec.chunks.at(-1)?.at ?? 0) - t0).toBeGreaterThanOrEqual(wireTimeMs(f, 200));
  });

  it('paces from startAt when a device began sending before this process noticed: never before its wire time from then', async () => {
    const hub = new InProcessSerialHub();
    const f = format8N1(9600);
    const line = new PacedLine(hub.plug('/dev/sim3'), f);
    const rec = new ByteRecorder(await hub.open({ path: '/dev/sim3', ...f }));
    // 200 bytes take 208 ms on the wire. Begun 300 ms ago, every byte is due already: they come
    // at once, where counted from now they would take 208 ms.
    const past = performance.now() - 300;
    const t0 = performance.now();
    await line.write(Buffer.alloc(200, 0x31), past);
    await rec.waitForBytes(200);
    expect((rec.chunks.at(-1)?.at ?? 0) - t0).toBeLessThan(100);
    // Begun 100 ms from now: no byte before its wire time counted from there.
    const first = rec.chunks.length;
    const later = performance.now() + 100;
    await line.write(Buffer.alloc(50, 0x32), later);
    await rec.waitForBytes(250);
    assertNeverEarly(rec.chunks.slice(first), later, f);
  });

  it('a device that began sending in the past still waits for the bytes the host is sending (half duplex)', async () => {
    const hub = new InProcessSerialHub();
    const f = format8N1(9600);
    const line = new PacedLine(hub.plug('/dev/sim5'), f);
    const host = await hub.open({ path: '/dev/sim5', ...f });
    const rec = new ByteRecorder(host);
    let hostBytesSeen = false;
    line.on('data', () => {
      hostBytesSeen = true;
    });
    const t0 = performance.now();
    await host.write(Buffer.alloc(100, 0x41)); // 104 ms on the wire from about now
    await new Promise((r) => setImmediate(r));
    expect(hostBytesSeen).toBe(false);
    await line.write(Buffer.alloc(10, 0x42), t0 - 50);
    await rec.waitForBytes(10);
    assertNeverEarly(rec.chunks, t0 + wireTimeMs(f, 100), f);
  });

  it('paces bytes from the host too: the device sees them after their wire time', async () => {
    const hub = new InProcessSerialHub();
    const f = format8N1(9600);
    const line = new PacedLine(hub.plug('/dev/sim2'), f);
    const host = await hub.open({ path: '/dev/sim2', ...f });
    const seen: { at: number; n: number; end: number }[] = [];
    line.on('data', (bytes: Buffer, span: { end: number }) =>
      seen.push({ at: performance.now(), n: bytes.length, end: span.end }),
    );
    const t0 = performance.now();
    await host.write(Buffer.alloc(100, 0x55));
    await new Promise((r) => setTimeout(r, 160));
    expect(seen.reduce((s, c) => s + c.n, 0)).toBe(100);
    expect((seen.at(-1)?.at ?? 0) - t0).toBeGreaterThanOrEqual(wireTimeMs(f, 100));
    expect(seen.every((c) => c.at >= c.end)).toBe(true);
  });

  it('rejects writes after the line closed', async () => {
    const hub = new InProcessSerialHub();
    const link = hub.plug('/dev/sim3');
    const line = new PacedLine(link, format8N1(9600));
    await link.close();
    await expect(line.write(Buffer.from('x'))).rejects.toThrow(/closed/);
  });
});

describe('DevicePort', () => {
  it('loses and counts bytes written while unplugged, like firmware with no cable', async () => {
    const hub = new InProcessSerialHub();
    const att = new InProcessAttachment(hub);
    attachments.push(att);
    const port = new DevicePort(att, { path: '/dev/sim4', ...format8N1(9600) });
    await port.write(Buffer.from('lost'));
    expect(port.bytesLost).toBe(4);
    await port.plug();
    const rec = new ByteRecorder(await hub.open({ path: '/dev/sim4', ...format8N1(9600) }));
    await port.write(Buffer.from('kept'));
    expect((await rec.waitForBytes(4)).toString()).toBe('kept');
    expect(port.bytesLost).toBe(4);
  });
});

describe('pacing over a real PTY', () => {
  it('a 300-byte code at 9600 baud takes at least its wire time (312.5 ms) at the receiving end', async () => {
    const att = new PtyAttachment();
    attachments.push(att);
    const dir = await makeTempDir();
    const cfg = ScannerConfigSchema.parse({ port: { path: `${dir}/scanner`, baudRate: 9600 } });
    const scanner = new SimScanner(cfg, att);
    await scanner.start();
    const f = format8N1(9600);
    const host = await openHostEnd(cfg.port.path, f);
    const rec = new ByteRecorder(host);
    const code = `GP1:${'x'.repeat(295)}`; // 299 bytes + CR = 300 bytes on the wire

    const t0 = performance.now();
    await scanner.present(code);
    const got = await rec.waitForBytes(300);
    const last = rec.chunks.at(-1)?.at ?? 0;

    expect(got.toString('latin1')).toBe(`${code}\r`);
    expect(last - t0).toBeGreaterThanOrEqual(312.5);
    expect(last - t0).toBeLessThan(2 * 312.5);
    // Every chunk on its own: never before the wire time of the bytes up to it; and a burst, not one lump.
    expect(rec.chunks.length).toBeGreaterThan(10);
    assertNeverEarly(rec.chunks, t0, f);
    await host.close();
    await scanner.stop();
  });
});
