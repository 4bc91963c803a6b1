import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import type { DeviceErrorEvent, HealthEvent } from '../../../devices/events.ts';
import { type PrinterDeviceConfigInput, PrinterDeviceConfigSchema } from '../../../devices/printer/config.ts';
import { ReceiptPrinter } from '../../../devices/printer/driver.ts';
import { encodeReceipt } from '../../../devices/printer/escpos-encoder.ts';
import type { PrinterStatus, Receipt } from '../../../devices/printer/receipt.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { sleep, until } from '../support/wait.ts';
import { type ScriptedPrinter, type ScriptedPrinterState, scriptedPrinter } from './scripted-printer.ts';

/**
 * The receipt printer driver over a real PTY pair (socat), with a printer scripted in the test
 * at the other end answering DLE EOT: prints, paper out, cover open, silence (offline, then
 * back), late replies, garbage, a full queue, a hostile receipt, unplug and replug.
 */
const log = silentLogger();

const CARD: Receipt = {
  lines: [
    { kind: 'text', text: '临时通行卡 PASS CARD', align: 'centre', bold: true, size: 2 },
    { kind: 'text', text: '车牌 沪A12345' },
    { kind: 'qr', data: `GP1.${'x'.repeat(300)}` },
    { kind: 'feed', lines: 3 },
    { kind: 'cut' },
  ],
};

interface Rig {
  pty: PtyPair;
  printer: ReceiptPrinter;
  peer: ScriptedPrinter;
  peerLink: Awaited<ReturnType<SerialPortOpener['open']>>;
  health: HealthEvent[];
  statuses: PrinterStatus[];
  errors: DeviceErrorEvent[];
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs) {
    await r.printer.stop();
    await r.peerLink.close().catch(() => undefined);
    await r.pty.close();
  }
  rigs = [];
});

async function rig(
  state: Partial<ScriptedPrinterState> = {},
  config: Partial<PrinterDeviceConfigInput> = {},
  transport: 'serial' | 'usblp' = 'serial',
): Promise<Rig> {
  const pty = await openPtyPair('printer');
  const opener = new SerialPortOpener();
  const peerLink = await opener.open(SerialPortSettingsSchema.parse({ path: pty.devicePath }));
  const peer = scriptedPrinter(peerLink, state);
  const printer = new ReceiptPrinter({
    config: PrinterDeviceConfigSchema.parse({
      transport,
      path: pty.hostPath,
      statusPollMs: 200,
      replyTimeoutMs: 150,
      printTimeoutMs: 3000,
      ...config,
    }),
    clock: systemClock,
    log,
    reconnect: { initialMs: 50, maxMs: 200 },
  });
  const r: Rig = { pty, printer, peer, peerLink, health: [], statuses: [], errors: [] };
  printer.on('health', (e) => r.health.push(e));
  printer.on('status', (e) => r.statuses.push(e));
  printer.on('device-error', (e) => r.errors.push(e));
  rigs.push(r);
  printer.start();
  return r;
}

/** Online, and its first round of status read. */
const ready = (printer: ReceiptPrinter): Promise<void> =>
  until(() => printer.health === 'online' && printer.status()?.online === true, 5000, 'online');

const encoded = (receipt: Receipt): number[] => {
  const r = encodeReceipt(receipt);
  if (!r.ok) throw new Error(r.message);
  return [...r.bytes];
};

describe('ReceiptPrinter over a real PTY', () => {
  it('comes online, prints a card exactly as encoded and reports it printed', async () => {
    const { printer, peer, statuses } = await rig();
    await ready(printer);
    expect(statuses[0]).toMatchObject({ online: true, paperOut: false, coverOpen: false });
    const outcome = await printer.print(CARD);
    expect(outcome).toMatchObject({ ok: true });
    expect(peer.printed).toEqual(encoded(CARD));
    expect(printer.status()).toMatchObject({ online: true, paperOut: false });
  });

  it('the same over the usblp transport (the character device read and written with node:fs)', async () => {
    const { printer, peer } = await rig({}, {}, 'usblp');
    await ready(printer);
    expect(await printer.print(CARD)).toMatchObject({ ok: true });
    expect(peer.printed).toEqual(encoded(CARD));
  });

  it('out of paper: the print is refused without sending, health is degraded, a fault is reported', async () => {
    const { printer, peer, errors, health } = await rig({ paperOut: true });
    await until(() => printer.health === 'degraded', 5000, 'degraded');
    expect(health.at(-1)?.reason).toMatch(/paper out/);
    expect(errors.some((e) => e.errorCode === ErrorCode.PrinterFault)).toBe(true);
    const outcome = await printer.print(CARD);
    expect(outcome).toMatchObject({ ok: false, reason: 'paper-out' });
    expect(peer.printed).toEqual([]);
    // Paper loaded: the next poll sees it, health comes back, printing works.
    peer.state.paperOut = false;
    await until(() => printer.health === 'online', 5000, 'online again');
    expect(await printer.print(CARD)).toMatchObject({ ok: true });
  });

  it('cover open: refused with cover-open', async () => {
    const { printer, peer } = await rig({ coverOpen: true });
    await until(() => printer.status()?.coverOpen === true, 5000, 'cover open seen');
    expect(await printer.print(CARD)).toMatchObject({ ok: false, reason: 'cover-open' });
    expect(peer.printed).toEqual([]);
  });

  it('paper running out during the print: sent, and the status after says paper-out', async () => {
    const { printer, peer } = await rig({ paperOutAfterBytes: 100 });
    await ready(printer);
    const outcome = await printer.print(CARD);
    expect(outcome).toMatchObject({ ok: false, reason: 'paper-out' });
    expect(outcome.ok === false && outcome.message).toMatch(/after printing/);
    expect(peer.printed.length).toBe(encoded(CARD).length);
  });

  it('no answer: offline (debounced, not at the first miss), a print refused; answering again brings it back', async () => {
    const { printer, peer, health, errors } = await rig();
    await ready(printer);
    peer.state.silent = true;
    const silentFrom = Date.now();
    await until(() => printer.status()?.online === false, 3000, 'status says not answering');
    expect(printer.health).toBe('online');
    await until(() => printer.health === 'offline', 8000, 'offline');
    expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(2900);
    expect(health.at(-1)?.reason).toMatch(/failures in a row/);
    expect(errors.filter((e) => e.errorCode === ErrorCode.PrinterNoReply).length).toBeGreaterThan(0);
    const refused = await printer.print(CARD);
    expect(refused).toMatchObject({ ok: false, reason: 'offline' });
    expect(peer.printed).toEqual([]);
    peer.state.silent = false;
    await until(() => printer.health === 'online', 8000, 'back online');
    expect(await printer.print(CARD)).toMatchObject({ ok: true });
  }, 20_000);

  it('a late reply after going offline is still the printer speaking: it brings it back', async () => {
    const { printer, peer, health } = await rig();
    await ready(printer);
    peer.state.silent = true;
    await until(() => printer.health === 'offline', 8000, 'offline');
    // Every reply now comes after the 150 ms timeout, within the late window (4 x 150 ms).
    peer.state.delayMs = 300;
    peer.state.silent = false;
    await until(() => printer.health !== 'offline', 8000, 'back from late replies');
    expect(health.at(-1)?.reason).toMatch(/late reply/);
    expect(printer.status()).toMatchObject({ online: true });
  }, 20_000);

  it('garbage replies are refused as device errors (250) and never taken as status', async () => {
    const { printer, peer, errors } = await rig({ garbage: 0xff });
    await until(() => errors.some((e) => e.errorCode === ErrorCode.PrinterGarbage), 5000, 'garbage reported');
    expect(errors.find((e) => e.errorCode === ErrorCode.PrinterGarbage)).toMatchObject({
      kind: 'garbage',
      bytes: 1,
    });
    expect(printer.status()).toBeUndefined();
    expect(printer.health).toBe('offline');
    expect(await printer.print(CARD)).toMatchObject({ ok: false, reason: 'offline' });
    // XON/XOFF are flow control, not garbage; good replies then bring it online.
    peer.state.garbage = 0x13;
    const before = errors.length;
    await sleep(500);
    expect(errors.slice(before).filter((e) => e.errorCode === ErrorCode.PrinterGarbage)).toEqual([]);
    peer.state.garbage = undefined;
    await ready(printer);
  }, 15_000);

  it('one print at a time: one more waits its turn, the next is refused as busy', async () => {
    const { printer, peer } = await rig({}, { maxQueued: 1 });
    await ready(printer);
    peer.state.delayMs = 100; // each status reply takes 100 ms: a print takes about 600 ms
    const first = printer.print(CARD);
    const second = printer.print(CARD);
    const third = printer.print(CARD);
    expect(await third).toMatchObject({ ok: false, reason: 'busy' });
    expect(await first).toMatchObject({ ok: true });
    expect(await second).toMatchObject({ ok: true });
    expect(peer.printed).toEqual([...encoded(CARD), ...encoded(CARD)]);
  });

  it('a large hostile receipt is refused before anything is sent, fast and without memory growth', async () => {
    const { printer, peer } = await rig();
    await ready(printer);
    const huge = '\x1dV\x42\x00'.repeat(4 * 1024 * 1024);
    const hostile = { lines: new Array(200_000).fill({ kind: 'text', text: huge }) } as Receipt;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const outcome = await printer.print(hostile);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
    expect(elapsed).toBeLessThan(200);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
    const cut = { lines: [{ kind: 'text', text: `plate\x1dV\x42\x00\x10\x04\x01 x` }] } satisfies Receipt;
    expect(await printer.print(cut)).toMatchObject({ ok: true });
    // The text's GS V and DLE EOT reached the printer as '?' characters, never as commands.
    expect(Buffer.from(peer.printed).includes(Buffer.from([0x1d, 0x56]))).toBe(false);
    expect(peer.asked.length % 3).toBe(0);
  });

  it('unplugged: offline at once; replugged: reconnects with backoff and comes back', async () => {
    const r = await rig();
    await ready(r.printer);
    await r.peerLink.close();
    await r.pty.unplug();
    await until(() => r.printer.health === 'offline', 3000, 'offline on unplug');
    expect(r.health.at(-1)?.reason).toMatch(/port down/);
    expect(r.printer.status()?.online).toBe(false);
    expect(r.statuses.at(-1)).toMatchObject({ online: false });
    expect(await r.printer.print(CARD)).toMatchObject({ ok: false, reason: 'offline' });
    await r.pty.replug();
    r.peerLink = await new SerialPortOpener().open(
      SerialPortSettingsSchema.parse({ path: r.pty.devicePath }),
    );
    r.peer = scriptedPrinter(r.peerLink);
    await until(() => r.printer.health === 'online', 8000, 'back after replug');
    expect(r.printer.counters().opens).toBeGreaterThanOrEqual(2);
  }, 20_000);
});
