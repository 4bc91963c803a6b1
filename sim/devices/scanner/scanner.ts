import type { ScannerConfig } from '../../../devices/scanner/config.ts';
import type { SerialAttachment } from '../../attach/attachment.ts';
import type { SimSerialDevice } from '../device.ts';
import { DevicePort } from '../device-port.ts';
import { codeBytes, scannerFrame } from './encode.ts';

export interface SimScannerOptions {
  name?: string;
  chunkMs?: number;
}

/**
 * The QR scanner of datasheet section 1 in serial-emulation mode: each presented code goes out
 * in one paced burst, framed as configured (terminator, optional STX/ETX). It takes no commands:
 * whatever the host sends is counted and ignored.
 *
 * Control API: present(code), sendRaw(bytes) (line noise, cut-off codes: anything), unplug(), replug().
 */
export class SimScanner implements SimSerialDevice {
  readonly kind = 'scanner' as const;
  readonly name: string;
  readonly port: DevicePort;
  /** Codes presented so far. */
  codesSent = 0;
  /** Bytes the host sent to the scanner (it ignores them). */
  bytesIgnored = 0;

  constructor(
    readonly config: ScannerConfig,
    attachment: SerialAttachment,
    options: SimScannerOptions = {},
  ) {
    this.name = options.name ?? `scanner ${config.port.path}`;
    this.port = new DevicePort(attachment, config.port, options.chunkMs);
    this.port.on('data', (bytes: Buffer) => {
      this.bytesIgnored += bytes.length;
    });
  }

  /**
   * A code is held under the scanner (text is sent as UTF-8). Resolves when its last byte has
   * crossed the wire. Codes presented while one is still on the wire follow it in order.
   */
  present(code: string | Uint8Array): Promise<void> {
    const frame = scannerFrame(codeBytes(code), this.config);
    this.codesSent++;
    return this.port.write(frame);
  }

  /** Puts raw bytes on the wire, paced like any other. */
  sendRaw(bytes: Uint8Array): Promise<void> {
    return this.port.write(bytes);
  }

  async start(): Promise<void> {
    await this.port.plug();
  }

  async stop(): Promise<void> {
    await this.port.unplug();
  }

  unplug(): Promise<void> {
    return this.port.unplug();
  }

  replug(): Promise<void> {
    return this.port.replug();
  }
}
