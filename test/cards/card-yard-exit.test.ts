import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CardReplyDataSchema } from '../../gateway/cards/card-payloads.ts';
import { parseConfig } from '../../site-config/load.ts';
import { readQr } from '../sim/printer/qr-read.ts';
import { inProcessDemoConfig, type SimGateway, startSimGateway } from '../support/sim-gateway.ts';

/**
 * A card issued at the yard for a bay's truck, printed on the simulated printer, and its QR (as
 * printed) scanned at the yard exit lane: the exit finds the truck's visit by the card's claims
 * and lets the cleared truck out, its bay freed.
 */
const SCALE = 4;
/** Where the printed card's image goes when screenshots are asked for (test/web/screenshots.test.ts). */
const SCREENSHOTS = process.env.GATEPOST_SCREENSHOTS === '1' ? 'docs/screenshots' : undefined;

type Running = SimGateway & { replies: { topic: string; body: any }[] };
const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function start(): Promise<Running> {
  const { raw } = inProcessDemoConfig('gatepost-card-exit-');
  raw.yard.baySensorBuses = [];
  const east = raw.checkpoints[0];
  east.lanes = [east.lanes[0]];
  for (const lane of [east.lanes[0], ...raw.yard.exitLanes]) lane.decisionTimeoutMs = 8_000 * SCALE;
  raw.checkpoints = [east];
  const r = await startSimGateway(parseConfig(raw), SCALE);
  const replies: Running['replies'] = [];
  r.client.on('message', (topic, payload) => {
    if (/^gatepost\/demo\/((cards|yard|lane\/[a-z0-9-]+)\/response\/|cards\/card-revoked$)/.test(topic))
      replies.push({ topic, body: JSON.parse(payload.toString()) });
  });
  await r.client.subscribeAsync(
    [
      'gatepost/demo/cards/response/+',
      'gatepost/demo/yard/response/+',
      'gatepost/demo/lane/+/response/+',
      'gatepost/demo/cards/card-revoked',
    ],
    { qos: 1 },
  );
  const out = Object.assign(r, { replies });
  running.push(out);
  return out;
}

/** A staff request (`cards` or `yard`), answered on its response topic. */
async function ask(r: Running, family: string, action: string, data: Record<string, unknown>) {
  const transaction = `t-${Math.random().toString(36).slice(2)}`;
  const reply = () =>
    r.replies.find(
      (m) => m.topic === `gatepost/demo/${family}/response/${action}` && m.body.transaction === transaction,
    )?.body;
  await r.client.publishAsync(
    `gatepost/demo/${family}/request/${action}`,
    JSON.stringify({ transaction, staffId: 'C2001', data }),
    { qos: 1 },
  );
  await expect.poll(() => reply() !== undefined, { timeout: 30_000 }).toBe(true);
  expect(reply(), `${family} ${action}: ${reply()?.error}`).toMatchObject({ status: 'ok' });
  return reply();
}

const decisionsOf = (r: Running, lane: string) =>
  r.messages.filter((m) => m.body?.type === 'decision' && m.body.data.lane === lane).map((m) => m.body.data);

describe('a card at the yard exit', () => {
  it("a cleared truck's card, printed at the yard and scanned at the exit, lets it out", async () => {
    const r = await start();
    // A green pass without a test: the lane sends the truck to the yard (rules.greenWithoutTest).
    const lane = r.site.lane('east-1');
    lane.barrier.putVehicle();
    await lane.scanner.present(await r.sign({ plate: '晋D50001', sub: 'drv-50001', color: 'green' }));
    lane.thermometer?.presentTarget(36.5);
    await expect.poll(() => decisionsOf(r, 'east-1').length, { timeout: 20_000 }).toBe(1);
    const decision = decisionsOf(r, 'east-1')[0];
    expect(decision).toMatchObject({ outcome: 'YARD' });
    const bay: string = decision.bay;

    // In the yard: arrived, swabbed, negative: cleared.
    await ask(r, 'yard', 'arrive', { bay });
    await ask(r, 'yard', 'sample', { bay, kind: 'antigen' });
    await ask(r, 'yard', 'result', { bay, result: 'negative' });

    // The card, issued at the bay panel, printed on the printer serving the yard.
    const printed = r.site.printer('east-kiosk').nextReceipt(30_000);
    const issued = CardReplyDataSchema.parse((await ask(r, 'cards', 'issue', { bay })).data);
    if (!('card' in issued)) throw new Error('no card');
    expect(issued.card).toMatchObject({ plate: '晋D50001', bay });
    expect(issued.printed).toEqual({ ok: true });
    await printed;
    // Issued again (the first one lost before anyone said so): the new card replaces the first,
    // which is revoked as superseded; one valid card per truck.
    const printedAgain = r.site.printer('east-kiosk').nextReceipt(30_000);
    const again = CardReplyDataSchema.parse((await ask(r, 'cards', 'issue', { bay })).data);
    if (!('card' in again)) throw new Error('no card');
    expect(again.card.id).not.toBe(issued.card.id);
    await expect
      .poll(() => r.replies.find((m) => m.topic === 'gatepost/demo/cards/card-revoked')?.body.data, {
        timeout: 10_000,
      })
      .toMatchObject({ cardId: issued.card.id, reason: `superseded by ${again.card.id}` });
    const [code] = (await printedAgain).qr;
    expect(code?.startsWith('GP1:')).toBe(true);

    // At the yard exit: the printed code finds the visit; the cleared truck leaves, its bay freed.
    const exit = r.site.lane('yard-exit');
    exit.barrier.putVehicle();
    await exit.scanner.present(code ?? '');
    await expect.poll(() => decisionsOf(r, 'yard-exit').length, { timeout: 20_000 }).toBe(1);
    expect(decisionsOf(r, 'yard-exit')[0]).toMatchObject({ outcome: 'PASS' });
    expect(decisionsOf(r, 'yard-exit')[0].reasons.map((x: { code: string }) => x.code)).toContain(
      'yard-cleared',
    );
    await expect.poll(() => r.gateway.yard.view(bay)?.state, { timeout: 10_000 }).toBe('free');
  }, 180_000);

  it('a driver without a phone: registered by hand at the kiosk, the card printed there, its QR read off the printed image, lets the cleared truck out', async () => {
    const r = await start();
    // No pass: the truck is registered by hand at the kiosk; staff send it to the yard.
    const lane = r.site.lane('east-1');
    lane.barrier.putVehicle();
    lane.thermometer?.presentTarget(36.6);
    await ask(r, 'lane/east-1', 'register', {
      plate: '晋D50002',
      plateColour: 'yellow',
      name: '王五',
      idNumber: '140105198001011234',
    });
    await expect.poll(() => decisionsOf(r, 'east-1').length, { timeout: 20_000 }).toBe(1);
    expect(decisionsOf(r, 'east-1')[0]).toMatchObject({ outcome: 'REVIEW' });
    await ask(r, 'lane/east-1', 'override', {
      outcome: 'YARD',
      reason: 'no phone: antigen test in the yard',
    });
    await expect.poll(() => decisionsOf(r, 'east-1').length, { timeout: 20_000 }).toBe(2);
    const decision = decisionsOf(r, 'east-1')[1];
    expect(decision).toMatchObject({ outcome: 'YARD' });
    const bay: string = decision.bay;

    // The card, issued at the kiosk for the lane's truck, comes out of the kiosk's printer.
    const printed = r.site.printer('east-kiosk').nextReceipt(30_000);
    const issued = CardReplyDataSchema.parse((await ask(r, 'cards', 'issue', { lane: 'east-1' })).data);
    if (!('card' in issued)) throw new Error('no card');
    expect(issued.card).toMatchObject({ plate: '晋D50002', plateColour: 'yellow', bay });
    expect(issued.printed).toEqual({ ok: true });
    // It outlives the bay's reservation (the truck is on its way, not yet arrived): the stay may
    // last until a PCR result.
    expect(issued.card.validUntil - issued.card.issuedAt).toBeGreaterThan(71 * 3_600_000);
    const receipt = await printed;
    // What a scanner would read: the QR as drawn on the printed receipt, by an independent decoder.
    const png = readFileSync(receipt.pngPath);
    const code = readQr(png)?.data;
    expect(code).toBe(receipt.qr[0]);
    expect(code?.startsWith('GP1:')).toBe(true);
    // The card holds the person by reference: neither the name nor the ID number is in the code.
    const claims = JSON.parse(Buffer.from((code ?? '').slice(4).split('.')[1] ?? '', 'base64url').toString());
    expect(JSON.stringify(claims)).not.toMatch(/王五|140105198001011234/);
    expect(claims).toMatchObject({ plate: '晋D50002', card: { id: issued.card.id } });
    if (SCREENSHOTS) writeFileSync(join(SCREENSHOTS, 'card-printed.png'), png);

    // In the yard: arrived, swabbed, negative; the printed card at the exit lets the truck out.
    await ask(r, 'yard', 'arrive', { bay });
    await ask(r, 'yard', 'sample', { bay, kind: 'antigen' });
    await ask(r, 'yard', 'result', { bay, result: 'negative' });
    const exit = r.site.lane('yard-exit');
    exit.barrier.putVehicle();
    await exit.scanner.present(code ?? '');
    await expect.poll(() => decisionsOf(r, 'yard-exit').length, { timeout: 20_000 }).toBe(1);
    expect(decisionsOf(r, 'yard-exit')[0]).toMatchObject({ outcome: 'PASS' });
    await expect.poll(() => r.gateway.yard.view(bay)?.state, { timeout: 10_000 }).toBe('free');
  }, 180_000);
});
