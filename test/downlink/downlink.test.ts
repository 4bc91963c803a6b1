import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { generateCentralKey, signEnvelope } from '../../gateway/downlink/envelope-sign.ts';
import { TrustListWatcher } from '../../gateway/passes/trust-list-watcher.ts';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.ts';
import { type Central, PREFIX, SITE, type Site, sleep, startCentral, startSite, until } from './site.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(): Promise<{ broker: Mosquitto; central: Central }> {
  const broker = await startMosquitto({ persistence: false });
  cleanup.push(() => broker.dispose());
  const central = await startCentral(broker.url);
  cleanup.push(() => central.stop());
  return { broker, central };
}

function site(o: Parameters<typeof startSite>[0]): Site {
  const s = startSite(o);
  cleanup.push(() => s.dispose());
  return s;
}

/** A GP1 key for a trust list (public part only). */
function gp1Key(kid: string) {
  const { pin } = generateCentralKey(kid);
  return { kty: 'OKP', crv: 'Ed25519', kid, x: pin.x };
}

const ackFor = async (central: Central, id: string) => {
  await until(() => central.ackOf(id) !== undefined, 15_000, `ack of ${id}`);
  return central.ackOf(id);
};

describe('downlink from the central office (real Mosquitto)', () => {
  it('applies a trust list, rules and lab results, acks each, and reports versions in status and metrics', async () => {
    const { broker, central } = await setup();
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-downlink-'));
    const trustListPath = join(dir, 'trust-list.json');
    const s = site({ url: broker.url, central, dir, trustListPath });
    const old = { keys: [gp1Key('old-1')] };
    writeFileSync(trustListPath, JSON.stringify(old));
    const watcher = new TrustListWatcher({ path: trustListPath, log: silentLogger(), debounceMs: 20 });
    const loaded: number[] = [];
    watcher.events.on('loaded', (e) => loaded.push(e.keys));
    await watcher.start();
    cleanup.push(() => watcher.stop());
    expect(loaded).toEqual([1]);
    s.uplink.start();
    await until(() => s.uplink.isConnected);

    // trust-list, signed by the first pinned key
    const list = { keys: [gp1Key('gp1-a'), gp1Key('gp1-b'), gp1Key('gp1-c')] };
    const tl = await central.send({ kind: 'trust-list', version: 1, payload: list });
    expect(await ackFor(central, tl.id)).toMatchObject({ status: 'applied', kind: 'trust-list', version: 1 });
    expect(JSON.parse(readFileSync(trustListPath, 'utf8'))).toEqual(list);
    expect(JSON.parse(readFileSync(`${trustListPath}.previous`, 'utf8'))).toEqual(old);
    await until(() => loaded.at(-1) === 3, 10_000, 'the watcher reloads the new list');
    expect(watcher.current().gp1Keys.has('gp1-b')).toBe(true);

    // rules, signed by the second pinned key (a rotation): the object the lanes read changes in place
    const rulesBefore = s.rules;
    const r = await central.send(
      { kind: 'rules', version: 7, payload: { feverC: 37.8, yellow: 'REVIEW' } },
      { key: central.keys.b },
    );
    expect(await ackFor(central, r.id)).toMatchObject({ status: 'applied', kind: 'rules', version: 7 });
    expect(s.rules).toBe(rulesBefore);
    expect(s.rules).toMatchObject({ feverC: 37.8, yellow: 'REVIEW', antigenMaxAgeHours: 24 });

    // test-results: a truck sampled in the yard, and a sample nobody holds
    const staff = { kind: 'staff', id: 'S-1', transaction: 't-1' } as const;
    const reserved = await s.yard.reserve({
      zoneKind: 'parking',
      plate: '粤B12345',
      lane: 'east-1',
      transitId: 'tr-1',
      reason: 'no-recent-test',
    });
    expect(reserved.ok).toBe(true);
    const bay = reserved.ok ? reserved.bay : '';
    expect((await s.yard.arrive(bay, staff)).ok).toBe(true);
    const sampled = await s.yard.sample(bay, 'pcr', staff);
    const sampleId = sampled.ok ? (sampled.sample?.id ?? '') : '';
    expect(sampleId).not.toBe('');
    const tr = await central.send({
      kind: 'test-results',
      version: 1,
      payload: {
        batch: 'lab-0042',
        results: [
          { sampleId, result: 'negative', kind: 'pcr' },
          { sampleId: 'no-such-sample', result: 'positive' },
        ],
      },
    });
    expect(await ackFor(central, tr.id)).toMatchObject({
      status: 'applied',
      details: {
        applied: 1,
        unmatched: 1,
        unmatchedSamples: [{ sampleId: 'no-such-sample', reason: 'unknown-sample' }],
      },
    });
    expect(s.yard.view(bay)).toMatchObject({ state: 'cleared' });
    // The same record as a coordinator's result entry, under the staff id `central`.
    const recorded = s.recordsOfType('result-recorded');
    expect(recorded).toEqual([
      expect.objectContaining({
        bay,
        sampleId,
        result: 'negative',
        by: { kind: 'staff', id: 'central', transaction: tr.id },
      }),
    ]);
    expect(s.recordsOfType('downlink-unmatched-result')).toEqual([
      { envelopeId: tr.id, sampleId: 'no-such-sample', result: 'positive', reason: 'unknown-sample' },
    ]);
    // The unmatched result reaches the centre too.
    await until(() => central.records.some((x) => x.type === 'downlink-unmatched-result'));

    await until(() => s.statuses.at(-1)?.applied === 3);
    expect(s.statuses.at(-1)?.kinds).toMatchObject({
      'trust-list': { version: 1, envelopeId: tl.id },
      rules: { version: 7, envelopeId: r.id },
      'test-results': { version: 1, envelopeId: tr.id },
    });
    const metrics = await s.registry.metrics();
    expect(metrics).toMatch(/gatepost_downlink_version\{kind="rules"\} 7/);
    expect(metrics).toMatch(/gatepost_downlink_version\{kind="trust-list"\} 1/);
    expect(metrics).toMatch(/gatepost_downlink_envelopes_total\{kind="rules",status="applied",reason=""\} 1/);
  });

  it('refuses unsigned, forged, unknown-key, expired, wrong-site, replayed and rolled-back envelopes, with acks and alarms', async () => {
    const { broker, central } = await setup();
    const s = site({ url: broker.url, central });
    s.uplink.start();
    await until(() => s.uplink.isConnected);
    const good = await central.send({ kind: 'rules', version: 5, payload: { feverC: 37.5 } });
    expect(await ackFor(central, good.id)).toMatchObject({ status: 'applied' });

    const now = Math.floor(Date.now() / 1000);
    const stranger = generateCentralKey(central.keys.a.kid).privateJwk; // same kid, other key
    const outsider = generateCentralKey('not-pinned').privateJwk;
    const cases: { id: string; reason: string }[] = [];
    const expect1 = async (p: Promise<{ id: string }>, reason: string) =>
      cases.push({ id: (await p).id, reason });

    await central.sendRaw(
      `${PREFIX}/${SITE}/down/rules`,
      JSON.stringify({ id: 'raw-1', kind: 'rules', version: 99, payload: { feverC: 42 } }),
    );
    await expect1(
      central.send({ kind: 'rules', version: 10, payload: { feverC: 42 } }, { key: stranger }),
      'bad-signature',
    );
    await expect1(
      central.send({ kind: 'rules', version: 11, payload: { feverC: 42 } }, { key: outsider }),
      'unknown-key',
    );
    await expect1(
      central.send({ kind: 'rules', version: 12, iat: now - 7200, exp: now - 3600, payload: { feverC: 42 } }),
      'expired',
    );
    await expect1(
      central.send(
        { kind: 'rules', version: 13, site: 'other-site', payload: { feverC: 42 } },
        {
          topic: `${PREFIX}/${SITE}/down/rules`,
        },
      ),
      'wrong-site',
    );
    await expect1(central.send({ kind: 'rules', version: 4, payload: { feverC: 42 } }), 'rolled-back');
    await expect1(central.send({ kind: 'rules', version: 5, payload: { feverC: 42 } }), 'replayed');
    // The very same signed envelope again (a replay by whoever recorded it).
    const replay = await signEnvelope(good, central.keys.a);
    await central.sendRaw(`${PREFIX}/${SITE}/down/rules`, replay);
    // A tampered payload under a good signature.
    const signed = (await signEnvelope({ ...good, id: 'tamper-1', version: 20 }, central.keys.a)).split('.');
    const body = Buffer.from(
      JSON.stringify({ ...good, id: 'tamper-1', version: 20, payload: { feverC: 42 } }),
    ).toString('base64url');
    await central.sendRaw(`${PREFIX}/${SITE}/down/rules`, `${signed[0]}.${body}.${signed[2]}`);

    for (const c of cases)
      expect(await ackFor(central, c.id), c.reason).toMatchObject({ status: 'refused', reason: c.reason });
    await until(() => central.acks.filter((a) => a.status === 'refused').length >= cases.length + 3);
    const refused = central.acks.filter((a) => a.status === 'refused');
    expect(refused).toContainEqual(expect.objectContaining({ envelopeId: null, reason: 'unsigned' }));
    expect(refused.filter((a) => a.envelopeId === good.id)).toEqual([
      expect.objectContaining({ reason: 'replayed' }),
    ]);
    // The tampered envelope's ack is keyed by the id it claims; that id is not burnt.
    expect(refused).toContainEqual(
      expect.objectContaining({ envelopeId: 'tamper-1', reason: 'bad-signature' }),
    );
    // Nothing changed, and each reason raised a gateway alarm (kind downlink) that reached the centre.
    expect(s.rules.feverC).toBe(37.5);
    const reasons = new Set(refused.map((a) => a.reason));
    const alarms = () => s.recordsOfType('alarm').filter((a) => a.kind === 'downlink');
    expect(alarms()).toHaveLength(reasons.size);
    expect(alarms().map((a) => String(a.message))).toContainEqual(
      expect.stringContaining('refused: rolled-back'),
    );
    await until(() => central.records.filter((x) => x.type === 'alarm').length === reasons.size);

    // A flood of junk: every message is acked, the alarm is not raised again within its minute.
    for (let i = 0; i < 30; i++) await central.sendRaw(`${PREFIX}/${SITE}/down/rules`, `junk ${i}`);
    await until(() => central.acks.filter((a) => a.reason === 'unsigned').length === 31);
    expect(alarms()).toHaveLength(reasons.size);
    expect(s.downlink.status()).toMatchObject({
      applied: 1,
      refused: refused.length + 30,
      kinds: { rules: { version: 5 } },
    });
  });

  it('applies in order, after it reconnects, what was sent while the site was offline; a restart still refuses a replay', async () => {
    const { broker, central } = await setup();
    const s1 = startSite({ url: broker.url, central });
    cleanup.push(() => s1.stop());
    s1.uplink.start();
    await until(() => s1.uplink.isConnected);
    const first = await central.send({ kind: 'rules', version: 1, payload: { feverC: 37.4 } });
    expect(await ackFor(central, first.id)).toMatchObject({ status: 'applied' });
    await s1.stop(); // the site goes offline (its session stays at the broker)

    const sent = [];
    for (const [i, feverC] of [37.5, 37.6, 37.7, 37.9].entries()) {
      sent.push(await central.send({ kind: 'rules', version: 2 + i, payload: { feverC } }));
    }
    const fleet = await central.send({ kind: 'rules', version: 6, site: 'all', payload: { feverC: 38.0 } });
    await sleep(200);
    expect(central.ackOf(sent[0]?.id ?? '')).toBeUndefined();

    const s2 = site({ url: broker.url, central, dir: s1.dir }); // the same store: a restart
    s2.uplink.start();
    await until(() => central.ackOf(fleet.id) !== undefined, 15_000, 'the offline envelopes acked');
    const order = central.acks.filter((a) => a.kind === 'rules').map((a) => [a.version, a.status]);
    expect(order).toEqual([
      [1, 'applied'],
      [2, 'applied'],
      [3, 'applied'],
      [4, 'applied'],
      [5, 'applied'],
      [6, 'applied'],
    ]);
    expect(s2.rules.feverC).toBe(38.0);

    // The restarted site remembers: the first envelope again is a replay, version 3 a rollback.
    await central.sendRaw(`${PREFIX}/${SITE}/down/rules`, await signEnvelope(first, central.keys.a));
    const older = await central.send({ kind: 'rules', version: 3, payload: { feverC: 36 } });
    expect(await ackFor(central, older.id)).toMatchObject({ status: 'refused', reason: 'rolled-back' });
    await until(() => central.acks.some((a) => a.envelopeId === first.id && a.status === 'refused'));
    expect(central.acks.find((a) => a.envelopeId === first.id && a.status === 'refused')).toMatchObject({
      reason: 'replayed',
    });
    expect(s2.rules.feverC).toBe(38.0);
  });

  it('keeps pre-registrations: a full list replaces them all, a delta adds, replaces and removes', async () => {
    const { broker, central } = await setup();
    const s = site({ url: broker.url, central });
    s.uplink.start();
    await until(() => s.uplink.isConnected);
    const now = Math.floor(Date.now() / 1000);
    const truck = (id: string, plate: string, extra: Record<string, unknown> = {}) => ({
      id,
      plate,
      plateColour: 'yellow',
      crew: [{ role: 'driver', name: '张三', idNumber: '110101199003071234' }],
      destination: '北京新发地',
      validFrom: now - 3600,
      validUntil: now + 86_400,
      ...extra,
    });
    const full = await central.send({
      kind: 'pre-registrations',
      version: 1,
      payload: {
        mode: 'full',
        upsert: [truck('r1', '冀A12345'), truck('r2', '冀B00001'), truck('r3', '鲁C77777')],
      },
    });
    expect(await ackFor(central, full.id)).toMatchObject({
      status: 'applied',
      details: { upserted: 3, removed: 0, held: 3 },
    });
    const at = Date.now();
    expect(s.downlink.preRegistrations.find('冀A 12345', at, 'yellow')).toEqual([
      expect.objectContaining({
        id: 'r1',
        destination: '北京新发地',
        crew: [expect.objectContaining({ name: '张三' })],
      }),
    ]);
    expect(s.downlink.preRegistrations.find('冀A12345', at, 'blue')).toEqual([]); // another vehicle
    const delta = await central.send({
      kind: 'pre-registrations',
      version: 2,
      payload: {
        mode: 'delta',
        upsert: [
          truck('r2', '冀B00001', { destination: '天津' }),
          truck('r4', '豫D55555', { validFrom: now + 7200 }),
        ],
        remove: ['r3'],
      },
    });
    expect(await ackFor(central, delta.id)).toMatchObject({
      status: 'applied',
      details: { upserted: 2, removed: 1, held: 3 },
    });
    expect(s.downlink.preRegistrations.find('冀B00001', at)).toEqual([
      expect.objectContaining({ destination: '天津' }),
    ]);
    expect(s.downlink.preRegistrations.find('鲁C77777', at)).toEqual([]);
    expect(s.downlink.preRegistrations.find('豫D55555', at)).toEqual([]); // not valid yet
    expect(s.downlink.preRegistrations.find('豫D55555', at + 3 * 3600_000)).toHaveLength(1);
    // A full list cannot carry removals; nothing changes.
    const bad = await central.send({
      kind: 'pre-registrations',
      version: 3,
      payload: { mode: 'full', upsert: [], remove: ['r1'] },
    });
    expect(await ackFor(central, bad.id)).toMatchObject({ status: 'refused', reason: 'invalid-payload' });
    expect(s.downlink.preRegistrations.find('冀A12345', at)).toHaveLength(1);
  });
});
