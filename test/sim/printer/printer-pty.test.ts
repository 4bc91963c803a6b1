import { existsSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyAttachment } from '../../../sim/attach/attachment.ts';
import { SimPrinter, type SimPrinterOptions } from '../../../sim/devices/printer/printer.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { bytes, qrStore } from './escpos-bytes.ts';
import { readQr } from './qr-read.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;

async function ptyPrinter(options: Partial<SimPrinterOptions> = {}) {
  const dir = await makeTempDir();
  const att = new PtyAttachment();
  closers.push(() => att.close());
  const path = `${dir}/printer`;
  const printer = new SimPrinter({ path, baudRate: 115200 }, att, {
    outputDir: `${dir}/receipts`,
    name: 'kiosk printer',
    widthDots: 384,
    ...options,
  });
  await printer.start();
  closers.push(() => printer.stop());
  const host = await openHostEnd(path, format8N1(115200));
  closers.push(() => host.close());
  return { printer, host, rx: new ByteRecorder(host) };
}

function card(data: string): Uint8Array {
  return bytes(
    ESC,
    '@',
    'Card for truck',
    0x0a,
    GS,
    '(k',
    3,
    0,
    49,
    67,
    6,
    qrStore(Uint8Array.from(Buffer.from(data))),
    GS,
    '(k',
    3,
    0,
    49,
    81,
    48,
    GS,
    'V',
    66,
    0,
  );
}

describe('simulated printer on a PTY', () => {
  it('prints what the host writes as a PNG whose QR reads back, and answers DLE EOT at once', async () => {
    const { printer, host, rx } = await ptyPrinter();
    const next = printer.nextReceipt();
    await host.write(card('GP1.card-on-a-pty'));
    const receipt = await next;
    expect(existsSync(receipt.pngPath)).toBe(true);
    expect(receipt.lines).toEqual(['Card for truck']);
    expect(receipt.qr).toEqual(['GP1.card-on-a-pty']);
    const png = readFileSync(receipt.pngPath);
    expect(PNG.sync.read(png).width).toBe(384);
    expect(readQr(png)?.data).toBe('GP1.card-on-a-pty');
    expect(JSON.parse(readFileSync(receipt.jsonPath, 'utf8')).qr[0].data).toBe('GP1.card-on-a-pty');

    // Online, paper in, cover closed: only the fixed bits (1 and 4) are set.
    await host.write(bytes(DLE, 4, 1, DLE, 4, 2, DLE, 4, 4));
    expect([...(await rx.waitForBytes(3))]).toEqual([0x12, 0x12, 0x12]);
  });

  it('runs out of paper after its roll: reports paper end on DLE EOT and prints nothing more', async () => {
    const { printer, host, rx } = await ptyPrinter({ paperReceipts: 2, nearEndReceipts: 1 });
    const first = printer.nextReceipt();
    await host.write(card('one'));
    await first;
    // One receipt left: near end (n = 4 bits 2 and 3), not yet out.
    await host.write(bytes(DLE, 4, 4));
    expect([...(await rx.waitForBytes(1))]).toEqual([0x12 | 0x0c]);
    rx.clear();
    const second = printer.nextReceipt();
    await host.write(card('two'));
    await second;

    await host.write(bytes(DLE, 4, 1, DLE, 4, 2, DLE, 4, 4));
    // n = 1: offline (bit 3); n = 2: stopped by paper end (bit 5); n = 4: paper end (bits 5 and 6).
    expect([...(await rx.waitForBytes(3))]).toEqual([0x12 | 0x08, 0x12 | 0x20, 0x12 | 0x60]);

    let discarded = 0;
    printer.on('discarded', () => {
      discarded += 1;
    });
    const printedBefore = printer.printed.length;
    await host.write(card('three'));
    await new Promise<void>((resolve) => {
      const check = () => (discarded > 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    const noReceipt = printer.nextReceipt(400).then(
      () => 'printed',
      () => 'none',
    );
    expect(await noReceipt).toBe('none');
    expect(printer.printed.length).toBe(printedBefore);

    // A new roll: it prints again and the sensors clear.
    printer.loadPaper();
    rx.clear();
    const fourth = printer.nextReceipt();
    await host.write(card('four'));
    expect((await fourth).qr).toEqual(['four']);
    await host.write(bytes(DLE, 4, 4));
    expect([...(await rx.waitForBytes(1))]).toEqual([0x12]);
  });

  it('reports the cover open, and answers nothing at all while offline', async () => {
    const { printer, host, rx } = await ptyPrinter();
    printer.setCoverOpen(true);
    await host.write(bytes(DLE, 4, 2));
    expect([...(await rx.waitForBytes(1))]).toEqual([0x12 | 0x04]);
    printer.setCoverOpen(false);
    printer.setOffline(true);
    rx.clear();
    await host.write(bytes(DLE, 4, 1));
    expect((await rx.collect(400)).length).toBe(0);
    printer.setOffline(false);
    await host.write(bytes(DLE, 4, 1));
    expect([...(await rx.waitForBytes(1))]).toEqual([0x12]);
  });

  it('is slow when told to: the receipt comes out after the delay, status still at once', async () => {
    const { printer, host, rx } = await ptyPrinter();
    printer.setSlow(600);
    const started = performance.now();
    const next = printer.nextReceipt();
    await host.write(card('slow'));
    await host.write(bytes(DLE, 4, 1));
    await rx.waitForBytes(1);
    expect(printer.printed.length).toBe(0);
    await next;
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
  });
});
