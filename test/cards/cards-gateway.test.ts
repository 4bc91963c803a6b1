import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CardReplyDataSchema, SiteKeyJwkSchema } from '../../gateway/cards/card-payloads.ts';
import { TOPICS } from '../../gateway/mqtt/topics.ts';
import { buildTrustStore } from '../../gateway/passes/trust-list.ts';
import { verifyPass } from '../../gateway/passes/verifier.ts';
import { parseConfig } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { type SimGateway, startSimGateway } from '../support/sim-gateway.ts';

/**
 * Cards end to end on the real gateway (in process, on its simulated lanes, its embedded Aedes
 * broker): a kiosk asks for a card over MQTT for the truck its lane let through; the card's code
 * verifies with the site key the gateway publishes, through the real verifier; scanned at the
 * other lane it verifies as any pass; revoked, it is refused there, and still after a restart.
 */
const SCALE = 4;

/** The gateway, and every message it published on `gatepost/demo/cards/#`. */
type Running = SimGateway & { cardMessages: { topic: string; body: any }[] };

const running: SimGateway[] = [];
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
  delete raw.printers;
  const east = raw.checkpoints[0];
  for (const lane of east.lanes) lane.decisionTimeoutMs = 8_000 * SCALE;
  raw.checkpoints = [east];
  return parseConfig(raw);
}

/**
 * The gateway with its simulated site, and every card message from now on. The collector is
 * attached before the subscription: the retained site key can come in the same read as the
 * SUBACK, and be handed out before code awaiting the subscription runs (it was lost so, now
 * and then, on a busy machine).
 */
async function start(config: SiteConfig): Promise<Running> {
  const r = withCardMessages(await startSimGateway(config, SCALE));
  running.push(r);
  await r.client.subscribeAsync('gatepost/demo/cards/#', { qos: 1 });
  return r;
}

const decisions = (r: SimGateway, lane: string) =>
  r.messages.filter((m) => m.body?.type === 'decision' && m.body.data.lane === lane).map((m) => m.body.data);
const verifications = (r: SimGateway, lane: string) =>
  r.messages
    .filter((m) => m.body?.type === 'verification' && m.body.data.lane === lane)
    .map((m) => m.body.data);

/** A truck at the lane showing `code`; resolves with its verification and decision. */
async function truck(r: SimGateway, lane: string, code: string) {
  const sim = r.site.lane(lane);
  const before = decisions(r, lane).length;
  sim.barrier.putVehicle();
  await sim.scanner.present(code);
  sim.thermometer?.presentTarget(36.5);
  await expect.poll(() => decisions(r, lane).length, { timeout: 20_000 }).toBeGreaterThan(before);
  sim.thermometer?.removeTarget();
  const decision = decisions(r, lane)[before];
  const verification = verifications(r, lane).find((v) => v.transitId === decision.transitId);
  // Let the truck through (or away) so that the next one is a transit of its own.
  if (decision.outcome === 'PASS')
    await expect.poll(() => sim.barrier.state, { timeout: 10_000 }).toBe('open');
  sim.barrier.removeVehicle();
  await expect.poll(() => sim.barrier.state, { timeout: 10_000 }).toBe('closed');
  return { decision, verification };
}

/** A card request over MQTT, answered on its response topic. */
async function ask(r: Running, action: string, data: Record<string, unknown>) {
  const transaction = `t-${Math.random().toString(36).slice(2)}`;
  const replies = () =>
    r.cardMessages.filter(
      (m) => m.topic === `gatepost/demo/cards/response/${action}` && m.body.transaction === transaction,
    );
  await r.client.publishAsync(
    `gatepost/demo/cards/request/${action}`,
    JSON.stringify({ transaction, staffId: 'S1001', data }),
    { qos: 1 },
  );
  await expect.poll(() => replies().length, { timeout: 15_000 }).toBe(1);
  const reply = TOPICS.cardResponse.schema.parse(replies()[0]?.body);
  return { ...reply, data: CardReplyDataSchema.parse(reply.data) };
}

function withCardMessages(r: SimGateway): Running {
  const cardMessages: Running['cardMessages'] = [];
  r.client.on('message', (topic, payload) => {
    if (topic.startsWith('gatepost/demo/cards/'))
      cardMessages.push({ topic, body: JSON.parse(payload.toString()) });
  });
  return Object.assign(r, { cardMessages });
}

function storedCode(dir: string, id: string): string {
  const db = new BetterSqlite3(join(dir, 'gatepost.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT code, revoked_at FROM cards WHERE id = ?').get(id) as { code: string };
    return row.code;
  } finally {
    db.close();
  }
}

describe('cards on the real gateway', () => {
  it('issues a card for the truck a lane let through; it verifies with the published key at the other lane; revoked, it is refused there, also after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-cards-'));
    const config = siteConfig(dir);
    const r = await start(config);
    const siteKeyMsg = () => r.cardMessages.find((m) => m.topic === 'gatepost/demo/cards/site-key');
    await expect.poll(() => siteKeyMsg() !== undefined, { timeout: 10_000 }).toBe(true);
    const jwk = SiteKeyJwkSchema.parse(siteKeyMsg()?.body);
    expect(jwk).not.toHaveProperty('d');
    expect(jwk.kid).toMatch(/^site:demo:[A-Za-z0-9_-]{16}$/);

    // A driver's central pass lets the truck through east-1.
    const test = { kind: 'antigen', result: 'negative', at: Math.floor(r.clock.now() / 1000) - 3600 };
    const pass = await r.sign({ plate: '晋D30001', sub: 'drv-30001', color: 'green', test });
    const first = await truck(r, 'east-1', pass);
    expect(first.decision).toMatchObject({ outcome: 'PASS', plate: '晋D30001' });

    // Refused, with the reason and code: neither lane nor bay; a lane no truck came through; an unknown card.
    expect(await ask(r, 'issue', {})).toMatchObject({
      status: 'error',
      data: { code: 610, reason: 'invalid-request' },
    });
    expect(await ask(r, 'issue', { lane: 'east-2' })).toMatchObject({
      status: 'error',
      data: { code: 821, reason: 'no-transit' },
    });
    expect(await ask(r, 'reprint', { cardId: 'card-0000000000000000' })).toMatchObject({
      status: 'error',
      data: { code: 822, reason: 'unknown-card' },
    });
    await expect.poll(() => r.cardMessages.filter((m) => m.body?.type === 'request-refused').length).toBe(2);

    // The kiosk of east-1 asks for a card: issued, not printed (no printer serves east-1 here).
    const issued = await ask(r, 'issue', { lane: 'east-1' });
    expect(issued.status).toBe('ok');
    if (!('card' in issued.data)) throw new Error('no card in the reply');
    const card = issued.data.card;
    expect(card).toMatchObject({ plate: '晋D30001' });
    expect(card.validUntil - card.issuedAt).toBeLessThanOrEqual(72 * 3_600_000);
    expect(card.validUntil - card.issuedAt).toBeGreaterThan(71 * 3_600_000);
    expect(issued.data.printed).toMatchObject({ ok: false, reason: 'no-printer' });
    const types = () => r.cardMessages.map((m) => m.body?.type).filter(Boolean);
    await expect.poll(types).toEqual(expect.arrayContaining(['card-issued', 'card-print-failed']));

    // The code verifies offline with the published key alone, through the real verifier.
    const code = storedCode(dir, card.id);
    const trust = await buildTrustStore({ keys: [jwk] });
    const verdict = await verifyPass(code, { trust, at: r.clock.now() });
    expect(verdict).toMatchObject({ kind: 'GP1', valid: true, reasons: [] });
    expect(verdict.facts).toMatchObject({ plate: '晋D30001', color: 'green', subject: 'drv-30001' });

    // Scanned at east-2, it verifies as any pass of the site's trust.
    const atEast2 = await truck(r, 'east-2', code);
    expect(atEast2.verification.pass).toMatchObject({ kind: 'GP1', valid: true, plate: '晋D30001' });

    // Another lane's kiosk (its requests name its lane; the broker checks that it is the user's)
    // may not reprint or revoke it: refused with its code, and audited.
    expect(await ask(r, 'reprint', { cardId: card.id, lane: 'east-2' })).toMatchObject({
      status: 'error',
      data: { code: 824, reason: 'other-lane' },
    });
    expect(await ask(r, 'revoke', { cardId: card.id, reason: 'not ours', lane: 'east-2' })).toMatchObject({
      status: 'error',
      data: { code: 824, reason: 'other-lane' },
    });
    await expect.poll(() => r.cardMessages.filter((m) => m.body?.type === 'request-refused').length).toBe(4);

    // Lost: revoked by east-1's kiosk, which issued it. The same card at east-2 is refused
    // (card-revoked) and the truck not let through.
    const revoked = await ask(r, 'revoke', { cardId: card.id, reason: 'driver lost it', lane: 'east-1' });
    expect(revoked.status).toBe('ok');
    if (!('card' in revoked.data)) throw new Error('no card in the reply');
    expect(revoked.data.card.revokedAt).toBeGreaterThan(0);
    const refused = await truck(r, 'east-2', code);
    expect(refused.verification.pass).toMatchObject({ valid: false });
    expect(refused.verification.pass.reasons).toContain('card-revoked');
    expect(refused.decision.outcome).not.toBe('PASS');
    // Revoked twice: refused with its code, audited.
    const again = await ask(r, 'revoke', { cardId: card.id, reason: 'again' });
    expect(again).toMatchObject({ status: 'error', data: { code: 823, reason: 'revoked' } });

    // After a restart on the same store: the same site key, the card still refused.
    running.splice(running.indexOf(r), 1);
    await r.stop();
    const r2 = await start(config);
    const key2 = () => r2.cardMessages.find((m) => m.topic === 'gatepost/demo/cards/site-key')?.body;
    await expect.poll(key2, { timeout: 10_000 }).toMatchObject({ kid: jwk.kid, x: jwk.x });
    const afterRestart = await truck(r2, 'east-1', code);
    expect(afterRestart.verification.pass.reasons).toContain('card-revoked');
    expect(afterRestart.decision.outcome).not.toBe('PASS');
  }, 180_000);
});
