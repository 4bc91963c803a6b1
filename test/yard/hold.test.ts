import { afterEach, describe, expect, it } from 'vitest';
import { startYardStack, type YardStack } from './stack.ts';
import { laneRequest } from './support.ts';

let stack: YardStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('Yard.hold: a lane reservation that shares the decision’s commit (real store)', () => {
  it('answers with the bay before its record is committed; a record appended then shares the fsync', async () => {
    stack = await startYardStack();
    const s = stack;
    const batches: string[][] = [];
    s.store.onCommit((b) => batches.push(b.records.map((r) => r.type)));
    const held = await s.yard.hold(laneRequest('晋D30001'));
    if (!held.ok) throw new Error(`no bay: ${held.message}`);
    // Held, not yet committed: the model shows it only once it is.
    expect(held.bay).toBe('P-0001');
    expect(batches).toEqual([]);
    expect(s.yard.view('P-0001')?.state).toBe('free');
    const decision = s.store.append('lane/east-1', 'decision', { outcome: 'YARD', bay: held.bay });
    await expect(held.committed).resolves.toMatchObject({ ok: true, bay: 'P-0001' });
    await decision;
    expect(batches).toEqual([['bay-reserved', 'decision']]);
    expect(s.yard.view('P-0001')?.state).toBe('reserved');
    // Held meanwhile: the next truck gets the next bay.
    const next = await s.yard.hold(laneRequest('晋D30002'));
    expect(next).toMatchObject({ ok: true, bay: 'P-0002' });
    if (next.ok) await next.committed;
  });

  it('refuses at once what reserve refuses, with nothing queued', async () => {
    stack = await startYardStack();
    const s = stack;
    const first = await s.yard.hold(laneRequest('晋D30003'));
    if (first.ok) await first.committed;
    const before = s.store.count();
    const again = await s.yard.hold(laneRequest('晋D30003'));
    expect(again).toMatchObject({ ok: false, reason: 'already-in-yard' });
    expect(s.store.count()).toBe(before);
    const invalid = await s.yard.hold({ ...laneRequest('晋D30004'), lane: '' });
    expect(invalid).toMatchObject({ ok: false, reason: 'invalid-request' });
  });
});

/** A truck in its bay, swabbed and tested negative: cleared to leave. Returns its bay. */
async function clearedTruck(s: YardStack, plate: string): Promise<{ bay: string }> {
  const held = await s.yard.hold(laneRequest(plate));
  if (!held.ok) throw new Error(`no bay: ${held.message}`);
  await held.committed;
  const staff = { kind: 'staff' as const, id: 'c1' };
  await s.yard.arrive(held.bay, staff);
  await s.yard.sample(held.bay, 'antigen', staff);
  await s.yard.result(held.bay, { result: 'negative' }, staff);
  return { bay: held.bay };
}

describe('Yard.holdExit: a truck leaving through the exit lane, its exit sharing the decision’s commit (real store)', () => {
  it('answers before the exit is committed; the decision appended then shares the fsync; the bay frees once both are stored', async () => {
    stack = await startYardStack();
    const s = stack;
    const held = await clearedTruck(s, '晋D30005');
    const batches: string[][] = [];
    s.store.onCommit((b) => batches.push(b.records.map((r) => r.type)));

    const exit = await s.yard.holdExit({ plate: '晋D30005', lane: 'yard-exit' });
    if (!exit.allowed) throw new Error(`not let out: ${exit.message}`);
    expect(exit.bay).toBe(held.bay);
    expect(batches).toEqual([]);
    const decision = s.store.append('lane/yard-exit', 'decision', { outcome: 'PASS' });
    await expect(exit.committed).resolves.toEqual({ ok: true });
    await decision;
    expect(batches).toEqual([['truck-exited', 'decision']]);
    expect(s.yard.view(held.bay)?.state).toBe('free');
    // Gone from the yard: a second exit is refused at once, with nothing queued.
    const before = s.store.count();
    await expect(s.yard.holdExit({ plate: '晋D30005', lane: 'yard-exit' })).resolves.toMatchObject({
      allowed: false,
      reason: 'not-in-yard',
    });
    expect(s.store.count()).toBe(before);
  });

  it('lets nobody out for a lane that stopped waiting: nothing recorded, the truck still in its bay', async () => {
    stack = await startYardStack();
    const s = stack;
    const held = await clearedTruck(s, '晋D30006');
    const before = s.store.count();
    const gaveUp = new AbortController();
    gaveUp.abort();
    await expect(
      s.yard.holdExit({ plate: '晋D30006', lane: 'yard-exit' }, gaveUp.signal),
    ).resolves.toMatchObject({
      allowed: false,
      reason: 'abandoned',
    });
    expect(s.store.count()).toBe(before);
    expect(s.yard.view(held.bay)?.state).toBe('cleared');
    // Asked again by a lane that waits, the truck leaves.
    const again = await s.yard.holdExit({ plate: '晋D30006', lane: 'yard-exit' });
    expect(again).toMatchObject({ allowed: true, bay: held.bay });
    if (again.allowed) await expect(again.committed).resolves.toEqual({ ok: true });
  });
});
