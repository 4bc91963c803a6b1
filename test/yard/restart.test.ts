import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { Yard } from '../../gateway/yard/yard.ts';
import type { BayView, YardSummary } from '../../gateway/yard/yard-payloads.ts';
import { gatewayConfigFor, spawnGateway } from '../support/gateway-process.ts';
import { startLoopbackBroker } from '../support/loopback-broker.ts';
import { fromStore, request, retainedYard, SITE, startYardStack, withoutSensor } from './stack.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const MIN = 60_000;
const staff = { kind: 'staff', id: 'S-9' } as const;

/** A morning in the yard: trucks in every state, a snapshot half way, changes after it. */
async function midDay(yard: Yard, clock: ManualClock) {
  for (let i = 0; i < 40; i++) {
    await yard.reserve({
      zoneKind: i % 10 === 9 ? 'isolation' : 'parking',
      plate: `晋A${1000 + i}`,
      lane: i % 2 ? 'east-1' : 'west-2',
      transitId: `tr-${i}`,
      reason: i % 10 === 9 ? 'fever' : 'pass-yellow',
    });
    await clock.advance(45_000);
  }
  for (let i = 0; i < 30; i++)
    await yard.arrive(i < 27 ? `P-${String(i + 1).padStart(4, '0')}` : `I-000${i - 26}`, staff);
  for (let i = 1; i <= 20; i++)
    await yard.sample(`P-${String(i).padStart(4, '0')}`, i % 3 ? 'antigen' : 'pcr', staff);
  await yard.snapshot();
  await clock.advance(16 * MIN); // antigen results overdue
  for (let i = 1; i <= 8; i++)
    await yard.result(`P-${String(i).padStart(4, '0')}`, { result: 'negative' }, staff);
  await yard.result('P-0010', { result: 'positive' }, staff);
  await yard.move({ from: 'P-0010' }, staff);
  await yard.exit({ plate: '晋A1001', lane: 'yard-exit' });
  await yard.block('P-0500', 'maintenance', 'drain', staff);
  await yard.assign({ plate: 'HO-1', zoneKind: 'handover', arrived: true, reason: 'transfer' }, staff);
  await clock.advance(20 * MIN); // unclaimed reservations lapse
}

const picture = (yard: Yard) => ({ views: yard.views().map(withoutSensor), summary: yard.summary() });

describe('restart: the yard comes back from the store, identical', () => {
  it('killed mid-day with a change decided but not committed: the restarted yard is the acknowledged one, timers and all', async () => {
    const clock = new ManualClock();
    const a = await startYardStack({ clock });
    cleanup.push(() => a.stop());
    await midDay(a.yard, clock);
    await a.yard.settle();
    const before = picture(a.yard);
    // The morning reached every state (and lapsed the reservations not taken up).
    for (const state of ['occupied', 'sampled', 'overdue', 'cleared', 'isolation', 'blocked'] as const) {
      expect(before.summary.counts[state], state).toBeGreaterThan(0);
    }
    expect(before.summary.overdue).toBeGreaterThan(0);
    // The process dies; a lane's request is decided but never committed, never answered.
    await a.kill();
    let answered = false;
    void a.yard
      .reserve({ zoneKind: 'parking', plate: 'LATE', lane: 'east-1', transitId: 'tr-late', reason: 'x' })
      .then(() => {
        answered = true;
      });

    const bClock = new ManualClock(clock.now());
    const b = await startYardStack({ dbPath: a.dbPath, clock: bClock });
    cleanup.push(() => b.stop());
    expect(picture(b.yard)).toEqual(before);
    expect(answered).toBe(false);
    // It started from the snapshot taken half way, then replayed what followed.
    expect(fromStore(a.dbPath, 0, before.summary.sensors).report).toMatchObject({
      snapshotSeq: expect.any(Number),
      skipped: 0,
    });
    expect(b.yard.checkExit('LATE')).toMatchObject({ reason: 'not-in-yard' });
    // And the broker shows it again: every bay and the summary, republished from the store.
    await b.yard.settle();
    const retained = await retainedYard(b.broker.url ?? '', 1200);
    expect([...retained.bays.values()].map(withoutSensor)).toEqual(before.views);
    expect(retained.summary).toEqual(before.summary);
    // Its timers are armed again: a PCR result falls due and is overdue on time.
    const pcr = before.views.flatMap(
      (v) => v.truck?.samples.filter((s) => s.kind === 'pcr' && !s.result) ?? [],
    );
    const firstDue = Math.min(...pcr.map((s) => s.dueAt));
    await bClock.advance(firstDue - bClock.now());
    await b.yard.settle(); // the overdue record goes through the store's real group commit
    expect(b.yard.summary().overdue).toBeGreaterThan(before.summary.overdue);
  });
});

describe('restart of the real gateway process', () => {
  it('SIGKILL mid-day, start again: every bay and the summary come back from the store', async () => {
    const broker = await startLoopbackBroker();
    cleanup.push(() => broker.close());
    const config = gatewayConfigFor(broker);
    const start = () => {
      const gw = spawnGateway(config);
      cleanup.push(() => gw.stop());
      return gw;
    };

    const first = start();
    await first.yardPublished();
    const page = await mqtt.connectAsync(broker.url ?? '');
    cleanup.push(() => page.endAsync());
    await page.subscribeAsync(`gatepost/${SITE}/yard/response/+`, { qos: 1 });
    const ok = async (action: string, data: unknown, tx: string) => {
      const reply = await request(page, action, data, tx);
      expect(reply, `${action} ${tx}`).toMatchObject({ status: 'ok' });
      return reply;
    };
    for (let i = 0; i < 12; i++) {
      await ok(
        'assign',
        { plate: `晋B${2000 + i}`, zoneKind: i < 10 ? 'parking' : 'handover', arrived: i % 4 !== 3 },
        `a${i}`,
      );
    }
    for (const bay of ['P-0001', 'P-0002', 'P-0005', 'P-0006'])
      await ok('sample', { bay, kind: 'antigen' }, `s-${bay}`);
    await ok('result', { bay: 'P-0001', result: 'negative' }, 'r1');
    await ok('result', { bay: 'P-0002', result: 'positive' }, 'r2');
    await ok('move', { from: 'P-0002' }, 'm1');
    await ok('block', { bay: 'P-0300', reason: 'disinfection' }, 'b1');
    const before = await retainedYard(broker.url ?? '', 1200);
    expect(before.summary.counts).toMatchObject({ cleared: 1, isolation: 1, blocked: 2, sampled: 2 });

    first.child.kill('SIGKILL');
    await first.exited;
    // Wipe what the broker remembers, so that whatever comes back comes from the store.
    for (const topic of [...before.bays.keys()].map((b) => `gatepost/${SITE}/yard/bay/${b}`)) {
      await page.publishAsync(topic, '', { qos: 1, retain: true });
    }
    await page.publishAsync(`gatepost/${SITE}/yard/summary`, '', { qos: 1, retain: true });

    const second = start();
    await second.yardPublished();
    const after = await retainedYard(broker.url ?? '', 1200);
    const sameBays = (m: Map<string, BayView>) => [...m.entries()].map(([k, v]) => [k, withoutSensor(v)]);
    expect(sameBays(after.bays)).toEqual(sameBays(before.bays));
    const timeless = ({ at: _at, dwellMinutes, ...rest }: YardSummary) => ({
      ...rest,
      dwelling: dwellMinutes.count,
    });
    expect(timeless(after.summary)).toEqual(timeless(before.summary));
    // And that is what the store says.
    const store = fromStore(config.storage.path, after.summary.at, after.summary.sensors);
    for (const [bay, view] of store.views)
      expect(withoutSensor(after.bays.get(bay) as BayView), bay).toEqual(view);
  }, 90_000);
});
