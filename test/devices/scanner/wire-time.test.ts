import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../../devices/events.ts';
import { ScannerConfigSchema } from '../../../devices/scanner/config.ts';
import { createScannerDriver, type ScannerDriver } from '../../../devices/scanner/driver.ts';
import type { SerialLink } from '../../../devices/serial/link.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { sleep, until, writePaced } from '../support/wait.ts';

/**
 * Issue 18, item 18: the inter-byte gap is wire time. On a clock sped up 60 times (the
 * simulator's scale) a code paced at 9600 baud must be read whole, and a real pause over the gap must
 * still cut a code, whatever the clock's scale.
 */
const log = silentLogger();

describe('scanner wire timings on a sped-up clock (real PTY, bytes paced at 9600 baud)', () => {
  let pty: PtyPair | undefined;
  let driver: ScannerDriver | undefined;
  let peer: SerialLink | undefined;
  afterEach(async () => {
    await driver?.stop();
    await peer?.close().catch(() => undefined);
    await pty?.close();
    driver = peer = pty = undefined;
  });

  it('at ×60 reads paced codes whole and still cuts a code at a real pause over the gap', async () => {
    pty = await openPtyPair('scanner-x60');
    const opener = new SerialPortOpener();
    const clock = new ScaledClock(60);
    driver = createScannerDriver({
      // 300 ms rather than the default 100: a starved socat on a busy test box must not look like
      // a pause. At x60 it was still 5 ms of real time before (gaps were clock time).
      config: ScannerConfigSchema.parse({ port: { path: pty.hostPath }, interByteGapMs: 300 }),
      opener,
      clock,
      log,
    });
    const codes: ScanEvent[] = [];
    const errors: DeviceErrorEvent[] = [];
    driver.on('code', (e) => codes.push(e));
    driver.on('error', (e) => errors.push(e));
    driver.start();
    await until(() => driver?.health === 'online');
    peer = await opener.open({
      path: pty.devicePath,
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
    const p = peer;
    const w = (b: Buffer) => p.write(b);
    // 16-byte bursts every ~17 ms of real time: 1 s of the ×60 clock between bursts.
    const passes = [`GP1:${'a'.repeat(200)}.${'b'.repeat(60)}.c`, `HC1:${'6BF'.repeat(90)}`];
    for (const pass of passes) {
      await writePaced(w, Buffer.from(`${pass}\r`));
      await sleep(150);
    }
    await until(() => codes.length === 2, 5000, 'both codes');
    expect(codes.map((c) => c.code)).toEqual(passes);
    expect(errors).toEqual([]);

    // A real pause of 450 ms after 100 bytes cuts the code; its tail is no code.
    const cut = Buffer.from(`HC1:${'6BF'.repeat(60)}\r`);
    await writePaced(w, cut.subarray(0, 100));
    await sleep(450);
    await writePaced(w, cut.subarray(100));
    await until(() => errors.length === 1, 5000, 'the truncated error');
    expect(errors[0]).toMatchObject({ kind: 'truncated', bytes: cut.length - 1 });
    await sleep(200);
    expect(codes).toHaveLength(2);
  });
});
