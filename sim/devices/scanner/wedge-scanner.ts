import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, type FileHandle, open, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { EvdevScannerConfig } from '../../../devices/scanner/evdev-config.ts';
import { type InputEventSize, resolveInputEventSize } from '../../../devices/scanner/input-event.ts';
import type { SimDevice } from '../device.ts';
import { codeBytes } from './encode.ts';
import { encodeInputEvents, keyEventsForByte } from './input-event-encode.ts';

const run = promisify(execFile);

export interface SimWedgeScannerOptions {
  name?: string;
  /** Time between two typed characters (real ms; a USB HID scanner types one every 1-10 ms). */
  keyIntervalMs?: number;
  /** Characters per write to the FIFO (their events keep their own key times). */
  charsPerWrite?: number;
  /** Where the simulator says what it does (uinput skipped, a write dropped). */
  log?: (message: string) => void;
}

/**
 * How the wedge scanner's typing looks to the gateway's framer: as a serial scanner set to CR
 * (Enter ends a code). The traffic simulator's byte faults (garbage lines, cut-off codes) use it
 * to build what the scanner types.
 */
export interface WedgeFormat {
  terminator: 'CR';
  stxEtx: false;
  maxCodeBytes: number;
  interByteGapMs: number;
  resyncSilenceMs: number;
}

/**
 * A keyboard-wedge scanner (USB HID keyboard mode, US layout) as the gateway's `kind: evdev`
 * driver reads it: `struct input_event` records written to a FIFO at the config's `path`, with
 * the key times a USB keyboard's reports carry. A uinput device (a real /dev/input/eventN) is
 * not made: that needs ioctls the simulator does not do, so with or without /dev/uinput the
 * FIFO is used, and the start says so.
 *
 * Control API: present(code), sendRaw(bytes) (typed as they come: CR is Enter, untypable bytes
 * F1), unplug() (the FIFO's writer closes and the file is removed: what the gateway sees of a
 * scanner pulled out), replug().
 */
export class SimWedgeScanner implements SimDevice {
  readonly kind = 'wedge-scanner' as const;
  readonly name: string;
  readonly config: WedgeFormat;
  readonly path: string;
  readonly eventSize: InputEventSize;
  codesSent = 0;
  /** Writes dropped because nothing read the FIFO (it was full) or it was unplugged. */
  writesDropped = 0;
  private handle: FileHandle | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly keyMs: number;
  private readonly perWrite: number;
  private readonly log: (message: string) => void;

  constructor(
    readonly device: EvdevScannerConfig,
    options: SimWedgeScannerOptions = {},
  ) {
    this.name = options.name ?? `wedge scanner ${device.path}`;
    this.path = device.path;
    this.eventSize = resolveInputEventSize(device.eventSize, process.arch);
    this.config = {
      terminator: 'CR',
      stxEtx: false,
      maxCodeBytes: device.maxCodeBytes,
      interByteGapMs: device.interByteGapMs,
      resyncSilenceMs: device.resyncSilenceMs,
    };
    this.keyMs = options.keyIntervalMs ?? 2;
    this.perWrite = Math.max(1, options.charsPerWrite ?? 8);
    this.log = options.log ?? (() => undefined);
  }

  get plugged(): boolean {
    return this.handle !== undefined;
  }

  async start(): Promise<void> {
    await this.uinputNote();
    await this.plug();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }

  /** A code is scanned: typed key by key, then Enter. Resolves when the last key is written. */
  present(code: string | Uint8Array): Promise<void> {
    const bytes = codeBytes(code);
    this.codesSent++;
    return this.type(Buffer.concat([bytes, Buffer.of(0x0d)]));
  }

  /** Types raw bytes (CR is Enter; untypable bytes are F1). */
  sendRaw(bytes: Uint8Array): Promise<void> {
    return this.type(Buffer.from(bytes));
  }

  /** The scanner is pulled out: the writer closes (EOF for the gateway) and the FIFO is removed. */
  async unplug(): Promise<void> {
    await this.chain;
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  async replug(): Promise<void> {
    await this.plug();
  }

  private async plug(): Promise<void> {
    if (this.handle) return;
    await rm(this.path, { force: true });
    await run('mkfifo', ['-m', '0660', this.path]);
    // Read-write, so opening does not wait for a reader and the gateway sees no EOF meanwhile.
    this.handle = await open(this.path, constants.O_RDWR | constants.O_NONBLOCK);
  }

  private type(bytes: Buffer): Promise<void> {
    const next = this.chain.then(() => this.typeNow(bytes));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async typeNow(bytes: Buffer): Promise<void> {
    const start = Date.now() + (performance.now() % 1);
    for (let i = 0; i < bytes.length; i += this.perWrite) {
      const events = [];
      const end = Math.min(bytes.length, i + this.perWrite);
      for (let j = i; j < end; j++)
        events.push(...keyEventsForByte(bytes[j] as number, start + j * this.keyMs));
      const due = start + (end - 1) * this.keyMs - Date.now();
      if (due > 0) await sleep(due);
      // Keys typed late (the simulator was starved) carry the time they were typed, as the
      // kernel stamps each report when it comes: a stall is a real gap, seen as one.
      const late = Date.now() - (start + (end - 1) * this.keyMs);
      if (late > 0) for (const e of events) e.timeMs += late;
      await this.write(encodeInputEvents(events, this.eventSize));
    }
  }

  private async write(buf: Buffer): Promise<void> {
    const h = this.handle;
    if (!h) {
      this.writesDropped++;
      return;
    }
    try {
      await h.write(buf);
    } catch (err) {
      // A full FIFO (no gateway reading): the kernel's evdev buffer drops events the same way.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      this.writesDropped++;
      this.log(`${this.name}: FIFO full, ${buf.length} bytes of key events dropped`);
    }
  }

  private async uinputNote(): Promise<void> {
    const why = await access('/dev/uinput', constants.W_OK).then(
      () => 'it exists, but this simulator does not create uinput devices',
      (err: NodeJS.ErrnoException) => `${err.code ?? 'unavailable'}`,
    );
    this.log(`${this.name}: no uinput device (/dev/uinput: ${why}); key events go to the FIFO ${this.path}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
