import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { VirtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import { runConsoleCommand } from '../../../sim/console.ts';
import { SimulatedSite } from '../../../sim/site.ts';
import { loadConfigFile } from '../../../site-config/load.ts';
import { PrintersSectionSchema } from '../../../site-config/printer-config.ts';
import { ByteRecorder } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { bytes, qrStore } from './escpos-bytes.ts';

const DEMO = new URL('../../../config/demo.yaml', import.meta.url).pathname;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

describe('a site config with printers in the simulator', () => {
  it('simulates every printers entry; the console sets its paper, cover and line', async () => {
    const dir = await makeTempDir();
    const cfg = loadConfigFile(DEMO);
    // Two entries of the site's printers section (contracts item 2), on the in-process hub.
    const printers = PrintersSectionSchema.parse([
      {
        id: 'kiosk-1',
        serves: { lanes: ['east-1'] },
        transport: 'serial',
        path: '/dev/ttyPRN0',
        baudRate: 19200,
      },
      { id: 'yard', serves: { yard: true }, transport: 'usblp', path: '/dev/usb/lp0' },
    ]);
    const chips = new Map<string, VirtualGpioChip>();
    const site = new SimulatedSite(
      { ...cfg, printers },
      {
        attach: 'in-process',
        clock: new ManualClock(),
        gpioChip: (name) => {
          const chip = chips.get(name) ?? new VirtualGpioChip(name);
          chips.set(name, chip);
          return chip;
        },
        printer: { outputDir: `${dir}/receipts`, widthDots: 384 },
      },
    );
    await site.start();
    closers.push(() => site.stop());
    expect([...site.printers.keys()]).toEqual(['kiosk-1', 'yard']);
    expect(site.devices().filter((d) => d.kind === 'printer')).toHaveLength(2);
    const printer = site.printer('kiosk-1');
    expect(printer.port.settings.baudRate).toBe(19200);
    expect(site.printer('yard').port.settings.baudRate).toBe(115200);

    const host = await site.hub!.open(printer.port.settings);
    const rx = new ByteRecorder(host);
    const next = printer.nextReceipt();
    await host.write(
      bytes(
        0x1b,
        '@',
        'Bay P-0412',
        0x0a,
        qrStore(Buffer.from('GP1.x')),
        0x1d,
        '(k',
        3,
        0,
        49,
        81,
        48,
        0x1d,
        'V',
        0,
      ),
    );
    const receipt = await next;
    expect(receipt.pngPath.startsWith(`${dir}/receipts/kiosk-1/`)).toBe(true);
    expect(receipt).toMatchObject({ lines: ['Bay P-0412'], qr: ['GP1.x'] });

    expect(await runConsoleCommand(site, 'paper kiosk-1 out')).toMatch(/paper out/);
    await host.write(bytes(0x10, 4, 4));
    expect([...(await rx.waitForBytes(1))]).toEqual([0x72]);
    expect(await runConsoleCommand(site, 'paper kiosk-1 3')).toMatch(/paper in \(3 receipts left\)/);
    expect(await runConsoleCommand(site, 'cover kiosk-1 open')).toMatch(/cover open/);
    expect(await runConsoleCommand(site, 'printer kiosk-1 offline')).toMatch(/offline/);
    expect(printer.status()).toMatchObject({ coverOpen: true, offline: true, paperOut: false });
    expect(await runConsoleCommand(site, 'unplug printer kiosk-1')).toBe('kiosk-1 printer unplugged');
    expect(site.hub!.isPlugged('/dev/ttyPRN0')).toBe(false);
    expect(await runConsoleCommand(site, 'printer nope offline')).toMatch(/error: no simulated printer nope/);
  });
});
