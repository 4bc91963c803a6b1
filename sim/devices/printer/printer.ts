import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, GatepostError } from '../../../core/errors.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import type { SerialAttachment } from '../../attach/attachment.ts';
import type { SimSerialDevice } from '../device.ts';
import { DevicePort } from '../device-port.ts';
import type { EscPosCommand } from './escpos-commands.ts';
import { EscPosParser } from './escpos-parser.ts';
import { type PrintedReceipt, ReceiptBuilder } from './receipt-builder.ts';
import { type PrintWidthDots, type ReceiptSidecar, renderReceipt } from './receipt-render.ts';
import { paperSensorByte, type SimPrinterState, statusByte } from './status-bytes.ts';

/** Where the printer is: a serial line, or a USB printer-class device node (both a PTY here). */
export interface SimPrinterLine {
  path: string;
  /** Serial line speed; the simulated line is paced at it (default 9600; USB: 115200). */
  baudRate?: number;
}

export interface SimPrinterOptions {
  /** Folder the receipts are written to (PNG + JSON sidecar each); created if missing. */
  outputDir: string;
  name?: string;
  /** Print head width in dots: 384 (58 mm paper) or 576 (80 mm, the default). */
  widthDots?: PrintWidthDots;
  /** The paper runs out after this many receipts (unlimited when absent). */
  paperReceipts?: number;
  /** Paper near end (DLE EOT 4 bits 2-3) when this many receipts or fewer are left; default 2. */
  nearEndReceipts?: number;
  chunkMs?: number;
}

/** One receipt the printer printed: where its picture and sidecar are, and what was on it. */
export interface PrintedReceiptFile {
  /** 1 for the first receipt this printer printed. */
  index: number;
  pngPath: string;
  jsonPath: string;
  /** Decoded text lines. */
  lines: string[];
  /** The data of every QR code printed on it, in order, exactly as received (UTF-8); see sidecar.qr for ones that did not fit. */
  qr: string[];
  sidecar: ReceiptSidecar;
}

const KEEP_RECEIPTS = 100;

/**
 * A thermal receipt printer speaking ESC/POS on a serial line (or a USB printer node) that
 * appears at its configured path. It answers DLE EOT (and GS r 1) at once, prints each receipt
 * (the bytes up to a cut) as a PNG with a JSON sidecar in `outputDir`, and emits `receipt`
 * (PrintedReceiptFile) when one is out.
 *
 * Faults: setPaperOut / loadPaper (or `paperReceipts`), setPaperNearEnd, setCoverOpen,
 * setOffline (hears nothing, answers nothing), setSlow(ms per receipt), unplug / replug. While the
 * paper is out or the cover is open it prints nothing: what arrives then is thrown away (event
 * `discarded`), and a receipt cut short by the paper running out is lost, as on paper.
 */
export class SimPrinter extends EventEmitter implements SimSerialDevice {
  readonly kind = 'printer' as const;
  readonly name: string;
  readonly port: DevicePort;
  readonly parser: EscPosParser;
  readonly widthDots: PrintWidthDots;
  /** Where the receipts are written. */
  readonly outputDir: string;
  /** The last receipts printed (at most 100), oldest first. */
  readonly printed: PrintedReceiptFile[] = [];
  private readonly builder: ReceiptBuilder;
  private readonly state: SimPrinterState = { paperOut: false, paperNearEnd: false, coverOpen: false };
  private offline = false;
  private slowMs = 0;
  private count = 0;
  private paperLeft: number | undefined;
  private readonly nearEndReceipts: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bytes that arrived while offline, and commands thrown away while out of paper or open. */
  readonly ignored = { bytesWhileOffline: 0, commandsWhileStopped: 0 };

  constructor(
    line: SimPrinterLine,
    attachment: SerialAttachment,
    private readonly options: SimPrinterOptions,
  ) {
    super();
    this.name = options.name ?? `printer ${line.path}`;
    this.widthDots = options.widthDots ?? 576;
    this.outputDir = options.outputDir;
    this.paperLeft = options.paperReceipts;
    this.nearEndReceipts = options.nearEndReceipts ?? 2;
    this.updateNearEnd();
    const settings = SerialPortSettingsSchema.parse({ path: line.path, baudRate: line.baudRate ?? 9600 });
    this.port = new DevicePort(attachment, settings, options.chunkMs);
    this.builder = new ReceiptBuilder((r) => this.onReceipt(r));
    this.parser = new EscPosParser((c) => this.onCommand(c));
    this.port.on('data', (bytes: Buffer) => {
      if (this.offline) this.ignored.bytesWhileOffline += bytes.length;
      else this.parser.push(bytes);
    });
  }

  async start(): Promise<void> {
    await mkdir(this.options.outputDir, { recursive: true });
    await this.port.plug();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.port.unplug();
    await this.queue;
  }

  unplug(): Promise<void> {
    return this.port.unplug();
  }

  replug(): Promise<void> {
    return this.port.replug();
  }

  /** What the printer would report now. */
  status(): Readonly<SimPrinterState> & { offline: boolean; paperLeft: number | undefined } {
    return { ...this.state, offline: this.offline, paperLeft: this.paperLeft };
  }

  /** The paper runs out now (on) or is loaded again (off: endless paper, as `loadPaper()`). */
  setPaperOut(on: boolean): void {
    if (on) {
      this.state.paperOut = true;
      this.paperLeft = 0;
      this.builder.discard();
      this.updateNearEnd();
    } else this.loadPaper();
  }

  /** A new roll: `receipts` more receipts before it runs out (endless when absent). */
  loadPaper(receipts?: number): void {
    this.state.paperOut = false;
    this.paperLeft = receipts;
    this.updateNearEnd();
  }

  /** Forces the near-end sensor on or off (it follows the paper count again on the next load). */
  setPaperNearEnd(on: boolean): void {
    this.state.paperNearEnd = on;
  }

  setCoverOpen(on: boolean): void {
    this.state.coverOpen = on;
    if (on) this.builder.discard();
  }

  /** Offline: the printer hears nothing and answers nothing (switched off, cable fine). */
  setOffline(on: boolean): void {
    this.offline = on;
    if (on) {
      this.parser.reset();
      this.builder.discard();
    }
  }

  /** Every receipt takes this long to come out (0: at once). Status requests are still answered at once. */
  setSlow(msPerReceipt: number): void {
    if (!(msPerReceipt >= 0)) throw new RangeError(`ms per receipt must be >= 0, got ${msPerReceipt}`);
    this.slowMs = msPerReceipt;
  }

  /** Resolves with the next receipt printed (after this call), or rejects after `timeoutMs`. */
  nextReceipt(timeoutMs = 10_000): Promise<PrintedReceiptFile> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('receipt', onReceipt);
        reject(
          new GatepostError(ErrorCode.SimWaitTimedOut, `${this.name}: no receipt within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onReceipt = (r: PrintedReceiptFile) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.once('receipt', onReceipt);
    });
  }

  private onCommand(c: EscPosCommand): void {
    if (c.kind === 'status-request') {
      void this.port.write(Uint8Array.of(statusByte(c.n, this.state)));
      return;
    }
    if (c.kind === 'paper-sensor-request') {
      void this.port.write(Uint8Array.of(paperSensorByte(this.state)));
      return;
    }
    if (this.state.paperOut || this.state.coverOpen) {
      this.ignored.commandsWhileStopped += 1;
      this.builder.discard();
      this.emit('discarded', c.kind);
      return;
    }
    this.builder.apply(c);
  }

  private onReceipt(receipt: PrintedReceipt): void {
    if (receipt.items.length === 0) return;
    const index = ++this.count;
    if (this.paperLeft !== undefined) {
      this.paperLeft = Math.max(0, this.paperLeft - 1);
      if (this.paperLeft === 0) this.state.paperOut = true;
      this.updateNearEnd();
    }
    const delay = this.slowMs;
    this.queue = this.queue.then(async () => {
      if (delay > 0) await this.sleep(delay);
      const file = await this.write(index, receipt);
      this.printed.push(file);
      if (this.printed.length > KEEP_RECEIPTS) this.printed.shift();
      this.emit('receipt', file);
    });
    this.queue = this.queue.catch((e: unknown) => {
      this.emit('render-error', e);
    });
  }

  private async write(index: number, receipt: PrintedReceipt): Promise<PrintedReceiptFile> {
    const { png, sidecar } = renderReceipt(receipt, this.widthDots);
    const base = `${this.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${String(index).padStart(4, '0')}`;
    const pngPath = join(this.options.outputDir, `${base}.png`);
    const jsonPath = join(this.options.outputDir, `${base}.json`);
    await writeFile(pngPath, png);
    await writeFile(jsonPath, `${JSON.stringify(sidecar, null, 2)}\n`);
    return {
      index,
      pngPath,
      jsonPath,
      lines: sidecar.lines,
      qr: sidecar.qr.filter((q) => q.printed).map((q) => q.data),
      sidecar,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private updateNearEnd(): void {
    this.state.paperNearEnd =
      this.paperLeft !== undefined && !this.state.paperOut && this.paperLeft <= this.nearEndReceipts;
  }
}
