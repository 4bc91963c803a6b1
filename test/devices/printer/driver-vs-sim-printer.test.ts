import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import { PrinterDeviceConfigSchema } from '../../../devices/printer/config.ts';
import { ReceiptPrinter } from '../../../devices/printer/driver.ts';
import type { Receipt } from '../../../devices/printer/receipt.ts';
import { PtyAttachment } from '../../../sim/attach/attachment.ts';
import { SimPrinter } from '../../../sim/devices/printer/printer.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { until } from '../support/wait.ts';

/**
 * The driver against the simulated printer (sim/devices/printer: its own ESC/POS parser and
 * DLE EOT answers, no code shared with the driver) on a real PTY: a card comes out with its QR
 * data intact; paper out and cover open are read from the simulator's status bytes and refuse
 * the print; a printer that hears nothing goes offline and comes back.
 */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

const GP1 = `GP1.${'eyJwbGF0ZSI6IuayqkExMjM0NSJ9'.repeat(8)}.signature`;
const CARD: Receipt = {
  lines: [
    { kind: 'text', text: '临时通行卡 PASS CARD', align: 'centre', bold: true, size: 2 },
    { kind: 'text', text: 'Plate 沪A12345' },
    { kind: 'qr', data: GP1, moduleSize: 4 },
    { kind: 'feed', lines: 2 },
    { kind: 'cut' },
  ],
};

async function setup() {
  const dir = await makeTempDir();
  const attachment = new PtyAttachment();
  closers.push(() => attachment.close());
  const path = `${dir}/printer`;
  const sim = new SimPrinter({ path, baudRate: 115200 }, attachment, {
    outputDir: `${dir}/receipts`,
    widthDots: 576,
  });
  await sim.start();
  closers.push(() => sim.stop());
  const printer = new ReceiptPrinter({
    config: PrinterDeviceConfigSchema.parse({
      transport: 'serial',
      path,
      baudRate: 115200,
      statusPollMs: 200,
      replyTimeoutMs: 200,
      printTimeoutMs: 5000,
    }),
    clock: systemClock,
    log: silentLogger(),
    reconnect: { initialMs: 50, maxMs: 200 },
  });
  printer.start();
  closers.push(() => printer.stop());
  await until(() => printer.health === 'online' && printer.status()?.online === true, 5000, 'online');
  return { sim, printer };
}

describe('ReceiptPrinter against the simulated printer (real PTY)', () => {
  it('prints a card the simulator renders with the same text and QR data', async () => {
    const { sim, printer } = await setup();
    const next = sim.nextReceipt();
    expect(await printer.print(CARD)).toMatchObject({ ok: true });
    const printed = await next;
    expect(printed.qr).toEqual([GP1]);
    expect(printed.lines).toEqual(expect.arrayContaining(['临时通行卡 PASS CARD', 'Plate 沪A12345']));
  });

  it('paper out and cover open, as the simulator reports them, refuse the print', async () => {
    const { sim, printer } = await setup();
    sim.setPaperOut(true);
    await until(() => printer.status()?.paperOut === true, 5000, 'paper out seen');
    expect(printer.health).toBe('degraded');
    expect(await printer.print(CARD)).toMatchObject({ ok: false, reason: 'paper-out' });
    sim.loadPaper();
    sim.setCoverOpen(true);
    await until(() => printer.status()?.coverOpen === true, 5000, 'cover open seen');
    expect(await printer.print(CARD)).toMatchObject({ ok: false, reason: 'cover-open' });
    sim.setCoverOpen(false);
    await until(() => printer.health === 'online', 5000, 'online again');
    expect(sim.printed).toEqual([]);
    expect(await printer.print(CARD)).toMatchObject({ ok: true });
  });

  it('a simulator that answers nothing goes offline, and comes back', async () => {
    const { sim, printer } = await setup();
    sim.setOffline(true);
    await until(() => printer.health === 'offline', 8000, 'offline');
    expect(await printer.print(CARD)).toMatchObject({ ok: false, reason: 'offline' });
    sim.setOffline(false);
    await until(() => printer.health === 'online', 8000, 'back online');
  }, 20_000);
});
