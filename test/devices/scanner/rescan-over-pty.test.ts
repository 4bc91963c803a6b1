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
 * Attack finding 4 on issue 18, through the real driver and a PTY: the first 100 bytes of a
 * pass, no tail, then a pause shorter than the resync silence and a whole pass: the second pass
 * is scanned (it used to be eaten as the first one's tail), and a tail without a prefix is
 * still no code.
 */
const log = silentLogger();

describe('scanner: a rescan right after a cut code is read (real PTY, paced at 9600 baud)', () => {
  let pty: PtyPair | undefined;
  let driver: ScannerDriver | undefined;
  let peer: SerialLink | undefined;
  afterEach(async () => {
    await driver?.stop();
    await peer?.close().catch(() => undefined);
    await pty?.close();
    driver = peer = pty = undefined;
  });

  it('100 bytes of p1, 500 ms of silence, p2 whole: p2 is a code, p1 one truncated error', async () => {
    pty = await openPtyPair('scanner-rescan');
    const opener = new SerialPortOpener();
    driver = createScannerDriver({
      // 250 ms rather than the default 100: a starved socat on a busy test box must not cut p2.
      config: ScannerConfigSchema.parse({ port: { path: pty.hostPath }, interByteGapMs: 250 }),
      opener,
      clock: new ScaledClock(1),
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

    const p1 = `HC1:${'6BF'.repeat(100)}`;
    const p2 = `GP1:${'a'.repeat(150)}.${'b'.repeat(40)}.c`;
    await writePaced(w, Buffer.from(p1).subarray(0, 100));
    await sleep(500);
    await writePaced(w, Buffer.from(`${p2}\r`));
    await until(() => codes.length === 1, 5000, 'the rescan');
    expect(codes.map((c) => c.code)).toEqual([p2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'truncated', bytes: 100 });

    // The item-9 protection still holds: a tail without a prefix after the pause is no code.
    await sleep(1200);
    const cut = Buffer.from(`HC1:${'6BF'.repeat(60)}\r`);
    await writePaced(w, cut.subarray(0, 100));
    await sleep(500);
    await writePaced(w, cut.subarray(100));
    await until(() => errors.length === 2, 5000, 'the second truncated error');
    expect(errors[1]).toMatchObject({ kind: 'truncated', bytes: cut.length - 1 });
    await sleep(300);
    expect(codes).toHaveLength(1);
  });
});
