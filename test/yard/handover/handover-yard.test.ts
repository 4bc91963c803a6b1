import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { exitDecision, toReceivingBay } from '../../../gateway/lanes/decision-steps.ts';
import type { ExitQuery } from '../../../gateway/lanes/lane-ports.ts';
import type { Transit } from '../../../gateway/lanes/transit.ts';
import type { HandoverRow } from '../../../gateway/store/handover-ledger.ts';
import type { BayView } from '../../../gateway/yard/yard-payloads.ts';
import { request, startYardStack, type YardStack } from '../stack.ts';

/**
 * The point-to-point hand-over over the real pieces: coordinator requests over MQTT (embedded
 * Aedes), the yard, the record store and its ledgers in SQLite, restarts on the same file.
 */
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const MIN = 60_000;
const BAY = 'H-0001';
const INBOUND = '晋D30003';
const RECEIVING = '晋B20002';
const escort = { id: 'E-204', name: 'Zhao Lei', phone: '+86 139 1111 2222' };

async function stack(clock: ManualClock, dbPath?: string): Promise<YardStack> {
  const s = await startYardStack({ clock, ...(dbPath ? { dbPath } : {}) });
  cleanup.push(() => s.stop());
  return s;
}

/** The inbound truck in a hand-over bay, and the receiving truck's lane transit in the ledger. */
async function setUp(clock: ManualClock): Promise<YardStack> {
  const s = await stack(clock);
  await s.store.append('lane/east-1', 'transit-start', {
    lane: 'east-1',
    transitId: 't-recv',
    trigger: 'loop',
  });
  await s.store.append('lane/east-1', 'decision', {
    lane: 'east-1',
    transitId: 't-recv',
    outcome: 'YARD',
    by: 'staff',
    plate: RECEIVING,
    reasons: [{ code: 'manual-registration' }],
  });
  const assigned = await request(
    s.page,
    'assign',
    { plate: INBOUND, zoneKind: 'handover', bay: BAY, arrived: true, reason: 'from a risk area' },
    'a-1',
  );
  expect(assigned.status).toBe('ok');
  return s;
}

let tx = 0;
async function step(s: YardStack, action: string, data: Record<string, unknown>) {
  tx++;
  return request(s.page, action, { bay: BAY, ...data }, `tx-${tx}`);
}
const open = (s: YardStack, sealsBefore = ['ab-101', 'AB-102']) =>
  step(s, 'handover-open', { receivingPlate: RECEIVING, escort, sealsBefore, cargo: 'Frozen pork, 18 t' });

const viewOf = (reply: Record<string, any>): BayView => reply.data.bays[0];
const recordsOf = (s: YardStack, type: string) =>
  s.store.readStream('yard', 1, 10_000).filter((r) => r.type === type);
const rowOf = (s: YardStack) => s.db.prepare('SELECT * FROM handovers').get() as HandoverRow | undefined;

describe('the point-to-point hand-over in the yard', () => {
  it('goes opened, receiving-arrived, transferred, closed: each step a record, the ledger row, the bay view', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const s = await setUp(clock);
    const opened = await open(s);
    expect(opened.status, opened.error).toBe('ok');
    expect(viewOf(opened).handover).toMatchObject({
      state: 'opened',
      receivingPlate: RECEIVING,
      escort: { id: escort.id, name: escort.name },
      dueAt: clock.now() + 120 * MIN,
      overdue: false,
      sealMismatch: false,
    });
    expect(JSON.stringify(viewOf(opened))).not.toContain(escort.phone); // the page never sees the phone
    await clock.advance(20 * MIN);
    expect((await step(s, 'handover-receiving-arrived', {})).status).toBe('ok');
    const moved = await step(s, 'handover-transferred', {
      sealsBroken: ['AB-101 ', 'ab-102'],
      sealsAfter: ['N-9'],
    });
    expect(viewOf(moved).handover?.sealMismatch).toBe(false);
    const closed = await step(s, 'handover-close', {});
    const h = viewOf(closed).handover;
    expect(h?.state).toBe('closed');
    expect(h?.steps.map((x) => [x.state, x.by.id])).toEqual([
      ['opened', 'C-07'],
      ['receiving-arrived', 'C-07'],
      ['transferred', 'C-07'],
      ['closed', 'C-07'],
    ]);
    await s.yard.settle();
    const types = s.store
      .readStream('yard', 1, 10_000)
      .map((r) => r.type)
      .filter((t) => t.startsWith('handover-'));
    expect(types).toEqual([
      'handover-opened',
      'handover-receiving-arrived',
      'handover-transferred',
      'handover-closed',
    ]);
    expect(recordsOf(s, 'handover-opened')[0]?.data).toMatchObject({
      receivingTransitId: 't-recv',
      escort,
      sealsBefore: ['AB-101', 'AB-102'],
      by: { kind: 'staff', id: 'C-07', transaction: 'tx-1' },
    });
    // The escort's name and phone are personal data: the store marks the records for retention.
    const personal = s.db.prepare("SELECT personal FROM records WHERE type = 'handover-opened'").get() as {
      personal: number;
    };
    expect(personal.personal).toBe(1);
    expect(rowOf(s)).toMatchObject({
      bay: BAY,
      inbound_plate: INBOUND,
      receiving_plate: RECEIVING,
      receiving_transit_id: 't-recv',
      escort_name: escort.name,
      escort_phone: escort.phone,
      state: 'closed',
      seal_mismatch: 0,
      seals_after: '["N-9"]',
    });
  });

  it("sends the receiving truck, let through at an entry lane, to the hand-over's bay until it is there", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const s = await setUp(clock);
    const passed = { outcome: 'PASS' as const, reasons: [], bay: undefined };
    const at = (plate: string) => toReceivingBay(s.yard, { id: 't-in', plate } as unknown as Transit, passed);
    // No hand-over open yet: a PASS as any.
    expect(at(RECEIVING)).toEqual(passed);
    expect((await open(s)).status).toBe('ok');
    const handoverId = viewOf(await step(s, 'handover-receiving-arrived', {})).handover?.id;
    expect((await step(s, 'handover-abort', { reason: 'test: start again' })).status).toBe('ok');
    expect((await open(s)).status).toBe('ok');
    // The plate as an officer types it (spaces, lower case) finds the same truck.
    const sent = at(' 晋b-20002 ');
    expect(sent.outcome).toBe('PASS');
    expect(sent.bay).toBe(BAY);
    expect(sent.reasons).toEqual([
      { code: 'handover-receiving', outcome: 'PASS', detail: expect.stringContaining(`to bay ${BAY}`) },
    ]);
    expect(sent.reasons[0]?.detail).not.toContain(handoverId ?? 'no id');
    // Another plate, a decision that is not a PASS, or a truck that already has a bay: untouched.
    expect(at('晋B20003')).toEqual(passed);
    const yard = { outcome: 'YARD' as const, reasons: [], bay: 'P-0001' };
    expect(toReceivingBay(s.yard, { id: 't-in', plate: RECEIVING } as unknown as Transit, yard)).toEqual(
      yard,
    );
    // Once the receiving truck is at the bay, no other truck is sent there.
    expect((await step(s, 'handover-receiving-arrived', {})).status).toBe('ok');
    expect(at(RECEIVING)).toEqual(passed);
  });

  it('refuses a step out of order with its reason (801), and audits the refusal', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const s = await setUp(clock);
    const early = await step(s, 'handover-transferred', { sealsBroken: ['AB-101'], sealsAfter: [] });
    expect(early).toMatchObject({
      status: 'error',
      data: { code: ErrorCode.IllegalTransition, reason: 'handover-not-opened' },
    });
    expect((await open(s)).status).toBe('ok');
    expect((await step(s, 'handover-close', {})).data).toMatchObject({ reason: 'not-transferred' });
    expect((await step(s, 'handover-transferred', { sealsBroken: [], sealsAfter: [] })).data).toMatchObject({
      reason: 'receiving-not-arrived',
    });
    expect((await open(s)).data).toMatchObject({ reason: 'handover-open' });
    // Not in a parking bay.
    await request(s.page, 'assign', { plate: 'P-1', zoneKind: 'parking', arrived: true }, 'a-2');
    const parking = await request(
      s.page,
      'handover-open',
      { bay: 'P-0001', receivingPlate: RECEIVING, escort, sealsBefore: ['X'], cargo: 'x' },
      'p-1',
    );
    expect(parking.data).toMatchObject({ code: ErrorCode.IllegalTransition, reason: 'not-handover-zone' });
    await s.yard.settle();
    const refused = recordsOf(s, 'request-refused').map((r) => r.data as { action: string; reason: string });
    expect(refused.map((r) => [r.action, r.reason])).toEqual([
      ['handover-transferred', 'handover-not-opened'],
      ['handover-close', 'not-transferred'],
      ['handover-transferred', 'receiving-not-arrived'],
      ['handover-open', 'handover-open'],
      ['handover-open', 'not-handover-zone'],
    ]);
    // Aborted with a reason, then a new one may open; the aborted one stays in the ledger.
    const aborted = await step(s, 'handover-abort', { reason: 'receiving truck broke down' });
    expect(viewOf(aborted).handover?.state).toBe('aborted');
    expect((await step(s, 'handover-close', {})).data).toMatchObject({ reason: 'handover-not-opened' });
    expect((await open(s)).status).toBe('ok');
    const rows = s.db.prepare('SELECT state, abort_reason FROM handovers').all();
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        { state: 'aborted', abort_reason: 'receiving truck broke down' },
        { state: 'opened', abort_reason: null },
      ]),
    );
  });

  it('records a seal mismatch at the transfer and raises the seal-mismatch alert', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const s = await setUp(clock);
    await open(s);
    await step(s, 'handover-receiving-arrived', {});
    const moved = await step(s, 'handover-transferred', {
      sealsBroken: ['AB-101', 'ZZ-9'],
      sealsAfter: ['N-1'],
    });
    expect(moved.status).toBe('ok');
    expect(viewOf(moved).handover?.sealMismatch).toBe(true);
    await s.yard.settle();
    expect(recordsOf(s, 'handover-transferred')[0]?.data).toMatchObject({
      sealMismatch: true,
      missing: ['AB-102'],
      unexpected: ['ZZ-9'],
    });
    const alerts = recordsOf(s, 'alert').map(
      (r) => r.data as { kind: string; bay?: string; message: string },
    );
    expect(alerts).toEqual([expect.objectContaining({ kind: 'seal-mismatch', bay: BAY, plate: INBOUND })]);
    expect(alerts[0]?.message).toContain('AB-102');
    expect(rowOf(s)?.seal_mismatch).toBe(1);
  });

  it('raises handover-overdue once, after the configured time, not before', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const s = await setUp(clock);
    await open(s);
    await clock.advance(119 * MIN);
    await s.yard.settle();
    expect(recordsOf(s, 'alert')).toHaveLength(0);
    await clock.advance(2 * MIN);
    await s.yard.settle();
    await clock.advance(60 * MIN);
    await s.yard.settle();
    const alerts = recordsOf(s, 'alert').map((r) => r.data as { kind: string; bay?: string });
    expect(alerts).toEqual([expect.objectContaining({ kind: 'handover-overdue', bay: BAY })]);
    expect(recordsOf(s, 'handover-overdue')).toHaveLength(1);
    expect(s.yard.view(BAY)?.handover?.overdue).toBe(true);
    expect(rowOf(s)?.overdue).toBe(1);
  });

  it('resumes a hand-over after a crash: the state, the overdue timer, the next steps', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const a = await setUp(clock);
    await open(a);
    await a.yard.snapshot(); // the hand-over is in the snapshot ...
    await step(a, 'handover-receiving-arrived', {}); // ... and a step after it
    await a.kill();
    await clock.advance(30 * MIN);
    const b = await stack(clock, a.dbPath);
    const h = b.yard.view(BAY)?.handover;
    expect(h).toMatchObject({ state: 'receiving-arrived', overdue: false });
    expect(h?.steps.map((x) => x.state)).toEqual(['opened', 'receiving-arrived']);
    // The overdue timer came back with it.
    await clock.advance(91 * MIN);
    await b.yard.settle();
    expect(recordsOf(b, 'alert').map((r) => (r.data as { kind: string }).kind)).toEqual(['handover-overdue']);
    // A restart after the alert does not raise it again.
    await b.kill();
    const c = await stack(clock, a.dbPath);
    await clock.advance(10 * MIN);
    await c.yard.settle();
    expect(recordsOf(c, 'alert')).toHaveLength(1);
    const moved = await step(c, 'handover-transferred', {
      sealsBroken: ['AB-101', 'AB-102'],
      sealsAfter: [],
    });
    expect(moved.status, moved.error).toBe('ok');
    expect(viewOf(moved).handover).toMatchObject({ state: 'transferred', overdue: true });
  });

  it('lets the inbound truck out under escort after a closed hand-over, not before, and names the escort', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
    const s = await setUp(clock);
    // Not cleared by a test: refused as any truck without a result.
    expect(s.yard.checkExit(INBOUND)).toMatchObject({ allowed: false, reason: 'not-sampled' });
    await open(s);
    expect(s.yard.checkExit(INBOUND)).toMatchObject({ allowed: false, reason: 'handover-open' });
    // Nor moved away mid-hand-over.
    const move = await request(s.page, 'move', { from: BAY, to: 'H-0002' }, 'm-1');
    expect(move.data).toMatchObject({ reason: 'handover-open' });
    await step(s, 'handover-receiving-arrived', {});
    await step(s, 'handover-transferred', { sealsBroken: ['AB-101', 'AB-102'], sealsAfter: ['N-1'] });
    await step(s, 'handover-close', {});
    expect(s.yard.checkExit(INBOUND)).toMatchObject({
      allowed: true,
      bay: BAY,
      escort: { id: escort.id, name: escort.name },
    });
    // The exit lane's decision: its own release rule, naming the escort by staff ID.
    const exits = { exit: (q: ExitQuery, gaveUp?: AbortSignal) => s.yard.holdExit(q, gaveUp) };
    const transit = { id: 't-exit', plate: INBOUND } as Transit;
    const decided = await exitDecision(exits, transit, 'yard-exit', clock);
    expect(decided.outcome).toBe('PASS');
    expect(decided.reasons[0]?.detail).toMatch(
      /^leaves under escort E-204 after hand-over \S+; bay H-0001 freed$/,
    );
    expect(await decided.committed).toEqual({ ok: true });
    await s.yard.settle();
    const exited = recordsOf(s, 'truck-exited')[0]?.data as Record<string, unknown>;
    expect(exited).toMatchObject({ bay: BAY, escort: { id: escort.id, name: escort.name } });
    expect(exited.handoverId).toBe(rowOf(s)?.handover_id);
    expect(s.yard.view(BAY)?.state).toBe('free');
    expect(rowOf(s)?.departed_at).toBe(clock.now());
  });
});
