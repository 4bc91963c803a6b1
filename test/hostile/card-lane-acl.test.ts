import { describe, expect, it } from 'vitest';
import { compileAcl, mayPublish } from '../../broker/authorizer.ts';
import { ErrorCode } from '../../core/errors.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { requestJson } from '../../gateway/mqtt/envelope.ts';
import { closed, connect, refusal, startBroker, waitFor, writeUsers } from '../support/broker-harness.ts';
import { makeTempDir } from '../support/tmp.ts';
import {
  CHEAP_HASH,
  cardLaneSite,
  KIOSK,
  OTHER,
  OWN_CARD,
  REVOKE,
  TARGET,
} from './support/card-lane-site.ts';

/**
 * An outside tester's hostile pass over "cards per lane": a kiosk user bound to east-1 tries to
 * get a card action for east-2 accepted, over real MQTT, against the real embedded broker (the
 * GATEPOST_ACL table, its `laneField: data.lane` check) with the real card request handler and
 * issuer behind it (a gateway-role client on the same broker, a real SQLite card store). Each
 * attack asserts what each layer did: the broker refused the publish (connection closed, refusal
 * counted), or it let it through and the gateway refused it (824 other-lane, 610 invalid), and in
 * every case the east-2 card is still unrevoked in the store.
 */
const site = cardLaneSite();
const {
  replies,
  next,
  startSite,
  login,
  publishAs,
  env,
  settle,
  replyTo,
  targetRevoked,
  expectBrokerRefuses,
  expectGatewayRefuses,
} = site;

/** What the broker's ACL and the gateway's parser each read as `data.lane` of the same bytes. */
function bothLayers(payload: string | Buffer) {
  const acl = compileAcl(GATEPOST_ACL, 'kiosk', { site: 'demo', username: 'S1001', lane: 'east-1' });
  if (!acl) throw new Error('no kiosk ACL');
  const broker = mayPublish(acl, 'S1001', REVOKE, Buffer.from(payload), false).ok;
  const read = requestJson(Buffer.from(payload));
  const lane = read.ok ? (read.json as { data?: { lane?: unknown } })?.data?.lane : undefined;
  return { broker, gatewayLane: lane };
}

describe('cards per lane: a kiosk of east-1 acting for east-2, over real MQTT', () => {
  it('control: its own card is revoked; east-2 named plainly is refused by the broker, east-1 naming an east-2 card by the gateway (824)', async () => {
    await startSite();
    const own = `own-${next()}`;
    expect(await publishAs(env({ cardId: OWN_CARD, reason: 'driver lost it', lane: 'east-1' }, own))).toBe(
      'acked',
    );
    await waitFor(() => replyTo(own) !== undefined, 5000, 'the reply');
    expect(replyTo(own)).toMatchObject({ status: 'ok' });
    expect(site.store.get(OWN_CARD)?.revokedAt).toBeGreaterThan(0);

    const t1 = `plain-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'not ours', lane: 'east-2' }, t1), t1);
    const t2 = `mine-${next()}`;
    await expectGatewayRefuses(
      env({ cardId: TARGET, reason: 'not ours', lane: 'east-1' }, t2),
      t2,
      ErrorCode.CardOtherLane,
    );
    const t3 = `nolane-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'not ours' }, t3), t3);
    // Another kiosk's name and lane: the owner check refuses it.
    const t4 = `onbehalf-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'x', lane: 'east-2' }, t4, 'S1002'), t4);
    // Issue and reprint for east-2 as well.
    const t5 = `issue-${next()}`;
    await expectBrokerRefuses(env({ lane: 'east-2' }, t5), t5, {
      topic: 'gatepost/demo/cards/request/issue',
    });
    const t6 = `reprint-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, lane: 'east-2' }, t6), t6, {
      topic: 'gatepost/demo/cards/request/reprint',
    });
  }, 60_000);

  it('duplicate keys: the broker and the gateway read the same (last) one', async () => {
    await startSite();
    const dup = (first: string, last: string, t: string) =>
      `{"transaction":"${t}","staffId":"S1001","data":{"cardId":"${TARGET}","reason":"lost","lane":"${first}","lane":"${last}"}}`;
    // east-2 last: both read east-2; the broker refuses.
    const t1 = `dup1-${next()}`;
    expect(bothLayers(dup('east-1', 'east-2', t1))).toEqual({ broker: false, gatewayLane: 'east-2' });
    await expectBrokerRefuses(dup('east-1', 'east-2', t1), t1);
    // east-1 last: both read east-1; the gateway refuses the east-2 card.
    const t2 = `dup2-${next()}`;
    expect(bothLayers(dup('east-2', 'east-1', t2))).toEqual({ broker: true, gatewayLane: 'east-1' });
    await expectGatewayRefuses(dup('east-2', 'east-1', t2), t2, ErrorCode.CardOtherLane);
    // Two `data` members, and two `staffId`s.
    const t3 = `dup3-${next()}`;
    const twoData = `{"transaction":"${t3}","staffId":"S1001","data":{"lane":"east-1"},"data":{"cardId":"${TARGET}","reason":"lost","lane":"east-2"}}`;
    expect(bothLayers(twoData)).toEqual({ broker: false, gatewayLane: 'east-2' });
    await expectBrokerRefuses(twoData, t3);
    const t4 = `dup4-${next()}`;
    const twoStaff = `{"transaction":"${t4}","staffId":"S1001","staffId":"S1002","data":{"cardId":"${TARGET}","reason":"lost","lane":"east-2"}}`;
    await expectBrokerRefuses(twoStaff, t4);
  }, 60_000);

  it('__proto__ and constructor keys name no lane; a __proto__ beside the own lane is refused by the gateway', async () => {
    await startSite();
    const t1 = `proto1-${next()}`;
    await expectBrokerRefuses(
      `{"transaction":"${t1}","staffId":"S1001","data":{"cardId":"${TARGET}","reason":"lost","__proto__":{"lane":"east-1"},"lane":"east-2"}}`,
      t1,
    );
    const t2 = `proto2-${next()}`;
    await expectBrokerRefuses(
      `{"transaction":"${t2}","staffId":"S1001","__proto__":{"data":{"lane":"east-1"}},"data":{"cardId":"${TARGET}","reason":"lost","lane":"east-2"}}`,
      t2,
    );
    const t3 = `proto3-${next()}`;
    await expectBrokerRefuses(
      `{"transaction":"${t3}","staffId":"S1001","data":{"cardId":"${TARGET}","reason":"lost","constructor":{"lane":"east-1"}}}`,
      t3,
    );
    // The own lane as an own property, east-2 in a __proto__ member: the broker lets it through,
    // the gateway's strict schema refuses the unknown key (and would act as east-1 anyway).
    const t4 = `proto4-${next()}`;
    const p4 = `{"transaction":"${t4}","staffId":"S1001","data":{"cardId":"${TARGET}","reason":"lost","lane":"east-1","__proto__":{"lane":"east-2"}}}`;
    expect(bothLayers(p4)).toEqual({ broker: true, gatewayLane: 'east-1' });
    await expectGatewayRefuses(p4, t4, ErrorCode.PayloadInvalid);
  }, 60_000);

  it('a lane that is not the string east-1 (array, number, object, null, empty, boolean) is refused', async () => {
    await startSite();
    for (const lane of [
      ['east-1'],
      ['east-2'],
      1,
      { lane: 'east-1' },
      null,
      '',
      true,
      { toString: 'east-1' },
    ]) {
      const t = `type-${next()}`;
      await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane }, t), t);
    }
  }, 60_000);

  it('escapes, lookalikes, case and whitespace: refused, or read as east-1 by both layers', async () => {
    await startSite();
    // A JSON escape of east-1 is east-1 to both parsers: the gateway refuses the east-2 card.
    const t1 = `esc1-${next()}`;
    const escaped = `{"transaction":"${t1}","staffId":"S1001","data":{"cardId":"${TARGET}","reason":"lost","\\u006cane":"\\u0065ast-1"}}`;
    expect(bothLayers(escaped)).toEqual({ broker: true, gatewayLane: 'east-1' });
    await expectGatewayRefuses(escaped, t1, ErrorCode.CardOtherLane);
    const lookalikes = [
      '\u0435ast-1', // Cyrillic е
      'east\u20111', // non-breaking hyphen
      'ｅａｓｔ-1', // fullwidth
      'East-1',
      'EAST-1',
      ' east-1',
      'east-1 ',
      'east-1\u0000',
      'east-1\u200b',
      '\ufeffeast-1',
      'east-1\n',
      'east-2\u0000east-1',
    ];
    for (const lane of lookalikes) {
      const t = `look-${next()}`;
      await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane }, t), t);
    }
  }, 60_000);

  it('framing: a BOM read alike by both layers; trailing garbage, a second document, an envelope that is not an object: refused by the broker', async () => {
    await startSite();
    const body = (t: string) => env({ cardId: TARGET, reason: 'lost', lane: 'east-1' }, t);
    const t1 = `bom-${next()}`;
    // Both decode strictly and drop a leading BOM: east-1 to both, so the gateway refuses the east-2 card.
    expect(bothLayers(`\ufeff${body(t1)}`)).toEqual({ broker: true, gatewayLane: 'east-1' });
    await expectGatewayRefuses(`\ufeff${body(t1)}`, t1, ErrorCode.CardOtherLane);
    const t2 = `trail-${next()}`;
    await expectBrokerRefuses(`${body(t2)}garbage`, t2);
    const t3 = `two-${next()}`;
    await expectBrokerRefuses(`${body(t3)}${env({ cardId: TARGET, reason: 'x', lane: 'east-2' })}`, t3);
    const t4 = `arr-${next()}`;
    await expectBrokerRefuses(`[${body(t4)}]`, t4);
    const t5 = `str-${next()}`;
    await expectBrokerRefuses(JSON.stringify(body(t5)), t5);
  }, 60_000);

  it('bytes that are not UTF-8: refused by the broker, which decodes strictly as the gateway does', async () => {
    await startSite();
    // Bad bytes in the reason, east-1 named: neither layer reads it.
    const t1 = `utf1-${next()}`;
    const [head, tail] = env({ cardId: TARGET, reason: 'lostXX', lane: 'east-1' }, t1).split('XX');
    const bad = Buffer.concat([Buffer.from(head ?? ''), Buffer.from([0xff, 0xc0]), Buffer.from(tail ?? '')]);
    expect(bothLayers(bad)).toEqual({ broker: false, gatewayLane: undefined });
    await expectBrokerRefuses(bad, t1);
    // An overlong encoding of "e" (C1 A5) in the lane: not east-1 to the broker.
    const t2 = `utf2-${next()}`;
    const [h2, t2tail] = env({ cardId: TARGET, reason: 'lost', lane: 'XXast-1' }, t2).split('XX');
    await expectBrokerRefuses(
      Buffer.concat([Buffer.from(h2 ?? ''), Buffer.from([0xc1, 0xa5]), Buffer.from(t2tail ?? '')]),
      t2,
    );
    // CESU-8 surrogates of a lookalike: refused.
    const t3 = `utf3-${next()}`;
    const [h3, t3tail] = env({ cardId: TARGET, reason: 'lost', lane: 'east-1XX' }, t3).split('XX');
    await expectBrokerRefuses(
      Buffer.concat([Buffer.from(h3 ?? ''), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(t3tail ?? '')]),
      t3,
    );
  }, 60_000);

  it('size and nesting: past 64 KiB, 16 levels or 4,096 items the broker refuses before parsing; between 16 and 64 KiB the gateway refuses it', async () => {
    await startSite();
    // ~64 KiB of nesting inside an otherwise valid east-1 request: refused before JSON.parse.
    const t1 = `deep-${next()}`;
    const depth = 32_000;
    const deep = `{"transaction":"${t1}","staffId":"S1001","data":{"cardId":"${TARGET}","reason":"lost","lane":"east-1","x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expect(Buffer.byteLength(deep)).toBeLessThan(64 * 1024);
    const flat = env(
      { cardId: TARGET, reason: 'lost', lane: 'east-1', x: Array(20_000).fill(0) },
      `flat-${next()}`,
    );
    expect(Buffer.byteLength(flat)).toBeLessThan(64 * 1024);
    // The broker's own check, timed: the budget is enforced by a scan, not a parse (was ~8 ms deep).
    const acl = compileAcl(GATEPOST_ACL, 'kiosk', { site: 'demo', username: 'S1001', lane: 'east-1' });
    if (!acl) throw new Error('no kiosk ACL');
    for (const doc of [deep, flat]) {
      const bytes = Buffer.from(doc);
      mayPublish(acl, 'S1001', REVOKE, bytes, false); // warm
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      for (let i = 0; i < 20; i++) expect(mayPublish(acl, 'S1001', REVOKE, bytes, false).ok).toBe(false);
      expect((performance.now() - started) / 20).toBeLessThan(5);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 1024 * 1024);
    }
    await expectBrokerRefuses(deep, t1);
    // Just over 64 KiB (the broker's parse budget), east-1 named: the broker refuses, unparsed.
    const t2 = `big-${next()}`;
    const big = env({ cardId: TARGET, reason: 'lost', lane: 'east-1', pad: 'x'.repeat(64 * 1024) }, t2);
    await expectBrokerRefuses(big, t2);
    // Between the gateway's 16 KiB and the broker's 64 KiB: through the broker, refused as too large.
    const t3 = `mid-${next()}`;
    const mid = env({ cardId: TARGET, reason: 'lost', lane: 'east-1', pad: 'x'.repeat(20 * 1024) }, t3);
    const midReply = await expectGatewayRefuses(mid, '', ErrorCode.PayloadInvalid);
    expect(midReply?.error).toMatch(/too large/);
    // Past the packet cap (256 KiB): the connection is cut before the body is read.
    const huge = env({ cardId: TARGET, reason: 'lost', lane: 'east-2', pad: 'x'.repeat(300 * 1024) });
    const client = await connect(site.broker.url ?? '', login(KIOSK));
    client.publish(REVOKE, huge, { qos: 1 });
    expect(await closed(client, 5000)).toBe(true);
    await settle();
    expect(targetRevoked()).toBe(false);
  }, 60_000);

  it('MQTT flags: retained or QoS 2 or QoS 0 requests for east-2 are refused; a QoS 2 own-lane request is handled once', async () => {
    await startSite();
    const t1 = `retain-${next()}`;
    // Retained, even naming east-1: a kiosk may not retain (a retained request would be replayed to the gateway).
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane: 'east-1' }, t1), t1, {
      retain: true,
    });
    const t2 = `qos2-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t2), t2, { qos: 2 });
    const t3 = `qos0-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t3), t3, { qos: 0 });
    const t4 = `qos2own-${next()}`;
    await expectGatewayRefuses(
      env({ cardId: TARGET, reason: 'lost', lane: 'east-1' }, t4),
      t4,
      ErrorCode.CardOtherLane,
      { qos: 2 },
    );
    await settle();
    expect(replies.filter((r) => r.reply.transaction === t4)).toHaveLength(1);
  }, 60_000);

  it('topic variants: extra levels, trailing slash, empty or odd kinds, another site or lane topic', async () => {
    await startSite();
    const refused = [
      'gatepost/demo/cards/request/revoke/x',
      'gatepost/demo/cards/request/revoke/',
      'gatepost/demo/cards/request//revoke',
      'gatepost/demo//cards/request/revoke',
      'gatepost/demo/cards/revoke',
      'gatepost/other/cards/request/revoke',
      'gatepost/demo/lane/east-2/request/revoke',
      'gatepost/demo/cards/response/revoke',
      '$share/x/gatepost/demo/cards/request/revoke',
    ];
    for (const topic of refused) {
      const t = `topic-${next()}`;
      await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t), t, { topic });
    }
    // Wildcards in a topic name: Aedes drops the connection before the ACL is asked.
    for (const topic of ['gatepost/+/cards/request/revoke', 'gatepost/demo/cards/request/#']) {
      const t = `wild-${next()}`;
      expect(await publishAs(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t), { topic })).toBe(
        'dropped',
      );
      await settle();
      expect(replyTo(t)).toBeUndefined();
      expect(targetRevoked()).toBe(false);
    }
    // Kinds the broker's `+` lets through, naming east-2: still refused (the lane is checked on any kind).
    for (const kind of ['Revoke', 'constructor', '__proto__', 'revoke ']) {
      const t = `kind-${next()}`;
      await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t), t, {
        topic: `gatepost/demo/cards/request/${kind}`,
      });
    }
    // Naming east-1 on an odd kind: through the broker, but no card action at the gateway.
    for (const kind of ['Revoke', 'constructor', 'hasOwnProperty', 'revoke-all']) {
      const t = `kindown-${next()}`;
      expect(
        await publishAs(env({ cardId: TARGET, reason: 'lost', lane: 'east-1' }, t), {
          topic: `gatepost/demo/cards/request/${kind}`,
        }),
      ).toBe('acked');
      await settle();
      const reply = replyTo(t);
      if (reply) expect(reply).toMatchObject({ status: 'error', data: { reason: 'unknown-action' } });
      expect(targetRevoked()).toBe(false);
    }
  }, 60_000);

  it('identity: MQTT 5, another kiosk\u2019s client id, a wrong password, a kiosk without a lane: no way in', async () => {
    await startSite();
    const url = site.broker.url ?? '';
    expect(await refusal(url, { ...login(KIOSK), protocolVersion: 5 })).not.toBe('accepted');
    expect(await refusal(url, login(KIOSK, 'S1002'))).not.toBe('accepted');
    expect(await refusal(url, login(KIOSK, 'S1002-kiosk'))).not.toBe('accepted');
    expect(await refusal(url, { ...login(OTHER), password: KIOSK.password })).not.toBe('accepted');
    // Reconnecting under another of its own client ids does not change its lane.
    const t = `reid-${next()}`;
    const again = await connect(url, login(KIOSK, 'S1001-east-2'));
    const before = site.broker.refusals().publish;
    again.publish(REVOKE, env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t), { qos: 1 });
    expect(await closed(again, 5000)).toBe(true);
    expect(site.broker.refusals().publish).toBeGreaterThan(before);
    await settle();
    expect(replyTo(t)).toBeUndefined();
    // A kiosk user without a lane: the users file is refused (the broker does not start) and the
    // table compiles no card rule for it.
    const noLaneDir = await makeTempDir();
    const noLane = await writeUsers(noLaneDir, [{ ...KIOSK, lane: undefined }], undefined, CHEAP_HASH).catch(
      (e: unknown) => e,
    );
    if (typeof noLane === 'string') await expect(startBroker({ usersFile: noLane })).rejects.toThrow(/lane/);
    else expect(String(noLane)).toMatch(/lane/);
    const acl = compileAcl(GATEPOST_ACL, 'kiosk', { site: 'demo', username: 'S1001', lane: undefined });
    expect(acl?.publish.some((r) => r.levels.includes('cards'))).toBe(false);
    expect(targetRevoked()).toBe(false);
  }, 60_000);

  it('a will naming east-2 is refused at CONNECT; the websocket listener applies the same check', async () => {
    await startSite();
    const will = {
      topic: REVOKE,
      payload: Buffer.from(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' })),
      qos: 1 as const,
      retain: false,
    };
    expect(await refusal(site.broker.url ?? '', { ...login(KIOSK), will })).not.toBe('accepted');
    const t = `ws-${next()}`;
    await expectBrokerRefuses(env({ cardId: TARGET, reason: 'lost', lane: 'east-2' }, t), t, {
      url: `ws://127.0.0.1:${site.broker.wsPort}/mqtt`,
    });
  }, 60_000);
});
