import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { PtyAttachment } from '../../../sim/attach/attachment.ts';
import { until } from './wait.ts';

interface SimDevice {
  start(): Promise<void>;
  stop(): Promise<void> | void;
}
interface Driver {
  start(): void;
  stop(): Promise<void> | void;
  readonly health: string;
}

/**
 * A device driver against a simulated device of sim/ over a real PTY, as the driver tests of
 * each device set it up: a temp folder for the link, a PtyAttachment, the device started first,
 * then the driver, online. Everything a test started is stopped after it (driver, device,
 * attachment, folder).
 */
export function simDeviceOnPty(prefix: string) {
  let dir: string | undefined;
  let attachment: PtyAttachment | undefined;
  let sim: SimDevice | undefined;
  let driver: Driver | undefined;
  const stop = async () => {
    await driver?.stop();
    await sim?.stop();
    await attachment?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    driver = sim = attachment = dir = undefined;
  };
  afterEach(stop);
  return {
    /** Stops the driver, the device and the attachment, and removes the folder (also after each test). */
    stop,
    /** A fresh temp folder and attachment for this test; `path(name)` is a link path in it. */
    open(): { path: (name: string) => string; attachment: PtyAttachment } {
      const d = mkdtempSync(join(tmpdir(), `gatepost-${prefix}-`));
      dir = d;
      attachment = new PtyAttachment();
      return { path: (name) => join(d, name), attachment };
    },
    /** Starts the simulated device. */
    async startSim<S extends SimDevice>(device: S): Promise<S> {
      sim = device;
      await device.start();
      return device;
    },
    /** Starts the driver (listen to its events first) and waits until it is online. */
    async startDriver<D extends Driver>(d: D, what: string): Promise<D> {
      driver = d;
      d.start();
      await until(() => d.health === 'online', 3000, `${what} online`);
      return d;
    },
  };
}
