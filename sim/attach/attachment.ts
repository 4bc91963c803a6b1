import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { InProcessSerialHub } from '../../devices/serial/in-process-hub.ts';
import type { SerialLink } from '../../devices/serial/link.ts';
import type { LineFormat } from '../pacing.ts';
import { PtyDeviceLink } from './pty-link.ts';
import { type PtyPair, spawnPtyPair } from './socat.ts';

/**
 * How a simulated serial device appears at the path the gateway opens. Both kinds hand the
 * device the same SerialLink-shaped device end, so behaviours are written once.
 */
export interface SerialAttachment {
  readonly mode: 'in-process' | 'pty';
  /** Makes a device appear at `path` (the path in the config) and returns its device end. */
  plug(path: string, format: LineFormat): Promise<SerialLink>;
  /** Makes the device at `path` disappear, as a pulled cable: the host end is lost. */
  unplug(path: string): Promise<void>;
  /** Unplugs everything still plugged in. */
  close(): Promise<void>;
}

/** Devices on an InProcessSerialHub: the gateway opens the same path through the hub. */
export class InProcessAttachment implements SerialAttachment {
  readonly mode = 'in-process' as const;
  private readonly ends = new Map<string, SerialLink>();

  constructor(readonly hub: InProcessSerialHub) {}

  async plug(path: string, _format: LineFormat): Promise<SerialLink> {
    const end = this.hub.plug(path);
    this.ends.set(path, end);
    return end;
  }

  async unplug(path: string): Promise<void> {
    const end = this.ends.get(path);
    this.ends.delete(path);
    this.hub.unplug(path);
    await end?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.ends.keys()].map((p) => this.unplug(p)));
  }
}

/**
 * Devices on real pseudo-terminals. For each device a socat pair links the config's path (the
 * host end, which the gateway opens exactly as on a real box) to a private device end in a temp
 * dir, which the simulator opens with serialport. Unplugging kills that socat: the host end's
 * symlink disappears and an open host fd sees a hang-up, as with a pulled USB adapter.
 */
export class PtyAttachment implements SerialAttachment {
  readonly mode = 'pty' as const;
  private dir: Promise<string> | undefined;
  private seq = 0;
  private readonly plugged = new Map<string, { pair: PtyPair; end: PtyDeviceLink }>();

  /** @param deviceDir where device-end links go; a fresh dir under os.tmpdir() by default. */
  constructor(private readonly deviceDir?: string) {}

  async plug(path: string, format: LineFormat): Promise<SerialLink> {
    const host = resolve(path);
    if (this.plugged.has(host))
      throw new GatepostError(ErrorCode.PortInUse, `a simulated device is already plugged in at ${host}`);
    this.dir ??= this.deviceDir ? Promise.resolve(this.deviceDir) : mkdtemp(join(tmpdir(), 'gatepost-sim-'));
    const devicePath = join(
      await this.dir,
      `${++this.seq}-${basename(host).replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    );
    const pair = await spawnPtyPair(devicePath, host);
    let end: PtyDeviceLink;
    try {
      end = await PtyDeviceLink.open(pair.a, format);
    } catch (e) {
      await pair.close();
      throw e;
    }
    this.plugged.set(host, { pair, end });
    return end;
  }

  async unplug(path: string): Promise<void> {
    const host = resolve(path);
    const p = this.plugged.get(host);
    if (!p) return;
    this.plugged.delete(host);
    await p.end.close();
    await p.pair.close();
  }

  /** socat PIDs of the devices plugged in now. */
  pids(): number[] {
    return [...this.plugged.values()].map((p) => p.pair.pid);
  }

  async close(): Promise<void> {
    await Promise.all([...this.plugged.keys()].map((p) => this.unplug(p)));
    if (this.dir && !this.deviceDir) await rm(await this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
