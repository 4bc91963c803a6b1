import type { Clock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, ScanEvent } from '../../../devices/events.ts';
import { ScannerConfigSchema } from '../../../devices/scanner/config.ts';
import { createScannerDriver, type ScannerDriver } from '../../../devices/scanner/driver.ts';
import type { SerialLink } from '../../../devices/serial/link.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { openPtyPair, type PtyPair } from './socat-pty.ts';
import { until } from './wait.ts';

/** A scanner driver on one end of a real PTY, online, with the device's end open at 9600 8N1. */
export interface ScannerOnPty {
  driver: ScannerDriver;
  codes: ScanEvent[];
  errors: DeviceErrorEvent[];
  /** Writes raw bytes from the device's end (pace them with writePaced). */
  write: (b: Buffer) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Opens the PTY, starts the driver on `clock` and waits until it is online. `interByteGapMs` is
 * given by each test: longer than the default 100 ms, so that a starved socat on a busy test box
 * does not look like a pause inside a code.
 */
export async function scannerOnPty(
  name: string,
  o: { interByteGapMs: number; clock: Clock },
): Promise<ScannerOnPty> {
  const pty: PtyPair = await openPtyPair(name);
  const opener = new SerialPortOpener();
  const driver = createScannerDriver({
    config: ScannerConfigSchema.parse({ port: { path: pty.hostPath }, interByteGapMs: o.interByteGapMs }),
    opener,
    clock: o.clock,
    log: silentLogger(),
  });
  const codes: ScanEvent[] = [];
  const errors: DeviceErrorEvent[] = [];
  driver.on('code', (e) => codes.push(e));
  driver.on('error', (e) => errors.push(e));
  driver.start();
  let peer: SerialLink | undefined;
  const close = async () => {
    await driver.stop();
    await peer?.close().catch(() => undefined);
    await pty.close();
  };
  try {
    await until(() => driver.health === 'online');
    peer = await opener.open({
      path: pty.devicePath,
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
  } catch (e) {
    await close();
    throw e;
  }
  const link = peer;
  return { driver, codes, errors, write: (b) => link.write(b), close };
}
