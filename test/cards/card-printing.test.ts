import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CardReplyDataSchema, PrinterHealthSchema } from '../../gateway/cards/card-payloads.ts';
import { TOPICS } from '../../gateway/mqtt/topics.ts';
import { parseConfig } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { readQr } from '../sim/printer/qr-read.ts';
import { type SimGateway, startSimGateway } from '../support/sim-gateway.ts';

/**
 * Cards printed on a real ESC/POS driver (devices/printer/driver.ts) talking to the simulated
 * printer (sim/devices/printer) over the site's serial lines, in the real gateway: the printed
 * receipt's QR, read back from its PNG with an independent decoder, is the card's code; out of
 * paper, the card is still issued and the reply says why it was not printed, and a reprint after
 * the paper is back prints the same code; the printer's health is published retained.
 */
const SCALE = 4;

type Running = SimGateway & { cards: { topic: string; body: any }[] };

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

function siteConfig(dir: string): SiteConfig {
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = { tcp: { host: '127.0.0.1', port: 0 }, websocket: { enabled: false } };
  raw.web = { enabled: false };
  raw.storage = { path: join(dir, 'gatepost.db') };
  raw.passes = { trustListPath: join(dir, 'trust.json') };
  raw.simulation = { enabled: true, attach: 'in-process' };
  raw.yard.baySensorBuses = [];
  raw.yard.exitLanes = [];
  const east = raw.checkpoints[0];
  east.lanes = [east.lanes[0]];
  east.lanes[0].decisionTimeoutMs = 8_000 * SCALE;
  raw.checkpoints = [east];
  raw.printers = [
    {
      id: 'kiosk-east',
      serves: { lanes: ['east-1'], yard: true },
      transport: 'serial',
      path: '/dev/ttyPRN-cards',
      baudRate: 115200,
      statusPollMs: 500,
    },
  ];
  return parseConfig(raw);
}

async function start(config: SiteConfig): Promise<Running> {
  const r = await startSimGateway(config, SCALE);
  const cards: Running['cards'] = [];
  r.client.on('message', (topic, payload) => {
    if (/^gatepost\/demo\/(cards|printer)\//.test(topic))
      cards.push({ topic, body: JSON.parse(payload.toString()) });
  });
  await r.client.subscribeAsync(['gatepost/demo/cards/#', 'gatepost/demo/printer/#'], { qos: 1 });
  const running_ = Object.assign(r, { cards });
  running.push(running_);
  return running_;
}

async function ask(r: Running, action: string, data: Record<string, unknown>) {
  const transaction = `t-${Math.random().toString(36).slice(2)}`;
  const replies = () =>
    r.cards.filter(
      (m) => m.topic === `gatepost/demo/cards/response/${action}` && m.body.transaction === transaction,
    );
  await r.client.publishAsync(
    `gatepost/demo/cards/request/${action}`,
    JSON.stringify({ transaction, staffId: 'S1001', data }),
    { qos: 1 },
  );
  await expect.poll(() => replies().length, { timeout: 30_000 }).toBe(1);
  const reply = TOPICS.cardResponse.schema.parse(replies()[0]?.body);
  const parsed = CardReplyDataSchema.parse(reply.data);
  if (!('card' in parsed)) throw new Error(`refused: ${reply.error}`);
  return parsed;
}

const health = (r: Running) =>
  r.cards
    .filter((m) => m.topic === 'gatepost/demo/printer/kiosk-east/health')
    .map((m) => PrinterHealthSchema.parse(m.body))
    .at(-1);

function storedCode(dir: string, id: string): string {
  const db = new BetterSqlite3(join(dir, 'gatepost.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT code FROM cards WHERE id = ?').get(id) as { code: string }).code;
  } finally {
    db.close();
  }
}

describe('cards printed on the simulated ESC/POS printer', () => {
  it('prints the card with its code as QR; out of paper the card stays issued and a reprint prints it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-card-print-'));
    const r = await start(siteConfig(dir));
    await expect.poll(() => health(r)?.state, { timeout: 20_000 }).toBe('online');

    const lane = r.site.lane('east-1');
    const test = { kind: 'antigen', result: 'negative', at: Math.floor(r.clock.now() / 1000) - 3600 };
    lane.barrier.putVehicle();
    await lane.scanner.present(await r.sign({ plate: '晋D40001', sub: 'drv-40001', color: 'green', test }));
    lane.thermometer?.presentTarget(36.4);
    await expect
      .poll(() => r.messages.some((m) => m.body?.type === 'decision' && m.body.data.outcome === 'PASS'), {
        timeout: 20_000,
      })
      .toBe(true);

    const printer = r.site.printer('kiosk-east');
    const firstReceipt = printer.nextReceipt(30_000);
    const issued = await ask(r, 'issue', { lane: 'east-1' });
    expect(issued.printed).toEqual({ ok: true });
    expect(issued.card.printedAt).toBeGreaterThan(0);
    const code = storedCode(dir, issued.card.id);
    const receipt = await firstReceipt;
    expect(receipt.qr).toEqual([code]);
    // The PNG as printed, read by jsQR: the same code.
    expect(readQr(readFileSync(receipt.pngPath))?.data).toBe(code);
    expect(receipt.lines.join('\n')).toContain(issued.card.id);

    // Out of paper: the reprint is refused by the printer, the card stays as it was.
    printer.setPaperOut(true);
    await expect
      .poll(() => health(r), { timeout: 20_000 })
      .toMatchObject({ state: 'degraded', reason: 'paper-out' });
    const failed = await ask(r, 'reprint', { cardId: issued.card.id });
    expect(failed.printed).toMatchObject({ ok: false, reason: 'paper-out' });
    expect(failed.card).toMatchObject({ id: issued.card.id, plate: '晋D40001' });
    // The failure's record comes on its own topic, maybe after the reply to the request.
    await expect
      .poll(() => r.cards.some((m) => m.body?.type === 'card-print-failed'), { timeout: 10_000 })
      .toBe(true);

    // Paper back: the reprint prints the same code.
    printer.loadPaper();
    await expect.poll(() => health(r)?.state, { timeout: 20_000 }).toBe('online');
    const again = printer.nextReceipt(30_000);
    const reprinted = await ask(r, 'reprint', { cardId: issued.card.id });
    expect(reprinted.printed).toEqual({ ok: true });
    expect((await again).qr).toEqual([code]);
  }, 180_000);
});
