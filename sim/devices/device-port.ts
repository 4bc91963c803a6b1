import { EventEmitter } from 'node:events';
import type { SerialPortSettings } from '../../devices/serial/port-settings.ts';
import type { SerialAttachment } from '../attach/attachment.ts';
import { type LineFormat, PacedLine, type WireSpan, wireNow } from '../pacing.ts';

/**
 * A simulated device's serial port: its connector. It survives unplug/replug (behaviours
 * subscribe once), paces every byte through a PacedLine, and like real firmware it does not
 * care whether anyone listens: bytes written while unplugged are lost and counted.
 *
 * Events: `data` (bytes: Buffer, span: WireSpan) after the bytes crossed the wire;
 * `plugged`; `unplugged` (Error | undefined).
 */
export class DevicePort extends EventEmitter {
  private line: PacedLine | undefined;
  /** Bytes written while unplugged, or lost when the line went away mid-write. */
  bytesLost = 0;

  constructor(
    private readonly attachment: SerialAttachment,
    readonly settings: SerialPortSettings,
    private readonly chunkMs?: number,
  ) {
    super();
  }

  get path(): string {
    return this.settings.path;
  }

  get format(): LineFormat {
    const { baudRate, dataBits, parity, stopBits } = this.settings;
    return { baudRate, dataBits, parity, stopBits };
  }

  get isPlugged(): boolean {
    return this.line?.isOpen ?? false;
  }

  /** Wire time (wireNow() ms) at which everything written so far has been delivered. */
  get txIdleAt(): number {
    return this.line?.txIdleAt ?? wireNow();
  }

  /** Appears at the configured path. */
  async plug(): Promise<void> {
    if (this.line) return;
    const link = await this.attachment.plug(this.path, this.format);
    const line = new PacedLine(link, this.format, this.chunkMs);
    this.line = line;
    line.on('data', (bytes: Buffer, span: WireSpan) => this.emit('data', bytes, span));
    line.once('close', (err: Error | undefined) => {
      if (this.line !== line) return;
      this.line = undefined;
      this.emit('unplugged', err);
    });
    this.emit('plugged');
  }

  /** Disappears from the configured path, as a pulled cable. */
  async unplug(): Promise<void> {
    const line = this.line;
    if (!line) return;
    this.line = undefined;
    line.detach();
    await this.attachment.unplug(this.path);
    this.emit('unplugged', undefined);
  }

  async replug(): Promise<void> {
    await this.unplug();
    await this.plug();
  }

  /**
   * Sends bytes, paced (from `startAt` on the wire when given, PacedLine.write). Resolves when
   * they are on the line or lost; never rejects.
   */
  async write(bytes: Uint8Array, startAt?: number): Promise<void> {
    const line = this.line;
    if (!line?.isOpen) {
      this.bytesLost += bytes.length;
      return;
    }
    try {
      await line.write(bytes, startAt);
    } catch {
      this.bytesLost += bytes.length;
    }
  }
}
