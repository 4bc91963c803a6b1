import { afterEach, describe, expect, it } from 'vitest';
import { ScannerConfigSchema } from '../../devices/scanner/config.ts';
import { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import { InProcessAttachment, PtyAttachment, type SerialAttachment } from '../../sim/attach/attachment.ts';
import { CR, ETX, LF, SCANNER_MAX_CODE_BYTES, STX } from '../../sim/devices/scanner/encode.ts';
import { SimScanner } from '../../sim/devices/scanner/scanner.ts';
import { wireTimeMs } from '../../sim/pacing.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

async function ptyScanner(settings: Record<string, unknown> = {}, baudRate = 9600) {
  const att: SerialAttachment = new PtyAttachment();
  closers.push(() => att.close());
  const dir = await makeTempDir();
  const cfg = ScannerConfigSchema.parse({ port: { path: `${dir}/scanner`, baudRate }, ...settings });
  const scanner = new SimScanner(cfg, att);
  await scanner.start();
  closers.push(() => scanner.stop());
  const host = await openHostEnd(cfg.port.path, format8N1(baudRate));
  closers.push(() => host.close());
  return { cfg, scanner, host, rec: new ByteRecorder(host) };
}

describe('simulated QR scanner over a real PTY (datasheet section 1)', () => {
  it('sends a code followed by CR by default, UTF-8 encoded, taking its wire time', async () => {
    const { scanner, rec } = await ptyScanner();
    const code = 'GP1:晋D12345';
    const bytes = Buffer.from(code, 'utf8');
    const t0 = performance.now();
    await scanner.present(code);
    const got = await rec.waitForBytes(bytes.length + 1);
    expect(got.equals(Buffer.concat([bytes, Buffer.from([CR])]))).toBe(true);
    expect((rec.chunks.at(-1)?.at ?? 0) - t0).toBeGreaterThanOrEqual(
      wireTimeMs(format8N1(9600), bytes.length + 1),
    );
  });

  it('frames with CRLF, LF and STX...ETX as configured', async () => {
    const cases: { settings: Record<string, unknown>; frame: (c: Buffer) => Buffer }[] = [
      { settings: { terminator: 'CRLF' }, frame: (c) => Buffer.concat([c, Buffer.from([CR, LF])]) },
      { settings: { terminator: 'LF' }, frame: (c) => Buffer.concat([c, Buffer.from([LF])]) },
      {
        settings: { stxEtx: true },
        frame: (c) => Buffer.concat([Buffer.from([STX]), c, Buffer.from([ETX, CR])]),
      },
    ];
    for (const { settings, frame } of cases) {
      const { scanner, rec } = await ptyScanner(settings);
      const code = Buffer.from('HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IDOEZ');
      await scanner.present(code);
      expect((await rec.waitForBytes(frame(code).length)).equals(frame(code))).toBe(true);
    }
  });

  it('sends codes presented back to back in order, each in one burst', async () => {
    const { scanner, rec } = await ptyScanner({}, 115200);
    const codes = ['AAAA', 'BBBBBBBB', 'C'];
    await Promise.all(codes.map((c) => scanner.present(c)));
    const got = await rec.waitForBytes(codes.join('\r').length + 1);
    expect(got.toString('latin1')).toBe(`${codes.join('\r')}\r`);
    expect(scanner.codesSent).toBe(3);
    // No gap anywhere near the 100 ms that would make the gateway call a code truncated.
    const gaps = rec.chunks.slice(1).map((c, i) => c.at - (rec.chunks[i]?.at ?? c.at));
    expect(Math.max(0, ...gaps)).toBeLessThan(100);
  });

  it('decodes only codes of 1-4,096 bytes; anything else goes out with sendRaw', async () => {
    const { scanner, rec } = await ptyScanner({}, 115200);
    expect(() => scanner.present('')).toThrow(RangeError);
    expect(() => scanner.present('x'.repeat(SCANNER_MAX_CODE_BYTES + 1))).toThrow(RangeError);
    const noise = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0d]);
    await scanner.sendRaw(noise);
    expect((await rec.waitForBytes(noise.length)).equals(noise)).toBe(true);
    const longest = 'y'.repeat(SCANNER_MAX_CODE_BYTES);
    rec.clear();
    await scanner.present(longest);
    expect((await rec.waitForBytes(longest.length + 1, 5000)).length).toBe(longest.length + 1);
  });

  it('takes no commands: bytes from the host are ignored and counted', async () => {
    const { scanner, host, rec } = await ptyScanner();
    await host.write(Buffer.from('TRIGGER\r'));
    expect((await rec.collect(100)).length).toBe(0);
    expect(scanner.bytesIgnored).toBe(8);
  });
});

describe('simulated QR scanner in-process', () => {
  it('reaches a host that opened the path on the hub, paced, and loses codes while unplugged', async () => {
    const hub = new InProcessSerialHub();
    const att = new InProcessAttachment(hub);
    closers.push(() => att.close());
    const cfg = ScannerConfigSchema.parse({ port: { path: 'var/dev/east-1-scanner' } });
    const scanner = new SimScanner(cfg, att);
    await scanner.start();
    const host = await hub.open(cfg.port);
    const rec = new ByteRecorder(host);
    const closed = new Promise((resolve) => host.once('close', resolve));
    const t0 = performance.now();
    await scanner.present('PLATE-ONLY');
    expect((await rec.waitForBytes(11)).toString('latin1')).toBe('PLATE-ONLY\r');
    expect((rec.chunks.at(-1)?.at ?? 0) - t0).toBeGreaterThanOrEqual(wireTimeMs(format8N1(9600), 11));

    await scanner.unplug();
    expect(await closed).toBeInstanceOf(Error);
    await scanner.present('LOST');
    expect(scanner.port.bytesLost).toBe(5);
    await scanner.replug();
    const again = new ByteRecorder(await hub.open(cfg.port));
    await scanner.present('BACK');
    expect((await again.waitForBytes(5)).toString('latin1')).toBe('BACK\r');
    await scanner.stop();
  });
});
