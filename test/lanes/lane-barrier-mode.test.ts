import { describe, expect, it, vi } from 'vitest';
import { YARD_TIMEOUT_MS } from '../../gateway/lanes/decision-steps.ts';
import { DEVICE_START_GRACE_MS } from '../../gateway/lanes/lane-controller.ts';
import { ReplayGuard } from '../../gateway/lanes/replay-guard.ts';
import { lane } from './lane-harness.ts';

/**
 * A truck through lane `l`, whose yard record (`release` settles it) is committed with the
 * decision: the barrier stays shut while it is not, and opens once it is.
 */
async function opensOnlyOnceStored(l: ReturnType<typeof lane>, release: () => void): Promise<void> {
  await l.controller.start();
  l.drive.truck('GREEN');
  await vi.waitFor(() => expect(l.of('decision')).toHaveLength(1));
  await new Promise((r) => setTimeout(r, 10));
  expect(l.barrier.commands).toEqual([]);
  release();
  await vi.waitFor(() => expect(l.barrier.commands).toEqual(['open']));
}

const pass = async (l: ReturnType<typeof lane>, code = 'GREEN-TESTED') => {
  await l.truckDecided(code);
};

describe('staff decisions while the barrier moves', () => {
  it('an override to REVIEW while the barrier opens for the truck on the loop: no close onto it; it ends as cleared', async () => {
    const l = lane();
    await l.controller.start();
    await pass(l);
    await l.controller.override('REVIEW', 'staff-007', 'papers do not match');
    await l.controller.idle();
    expect(l.lastDecision()).toMatchObject({ outcome: 'REVIEW', by: 'staff' });
    expect(l.barrier.commands).toEqual(['open']);
    l.drive.clear();
    await l.controller.idle();
    expect(l.of('transit-end')[0]).toMatchObject({ end: 'cleared', outcome: 'REVIEW' });
  });

  it('an override to REVIEW after an opening with no vehicle on the loop closes the barrier', async () => {
    const l = lane({ thermometer: false });
    await l.controller.start();
    await l.controller.register({ plate: '冀A55555', name: '李四', idNumber: '130102198001011234' });
    await l.controller.override('PASS', 'staff-007', 'known driver');
    await l.controller.idle();
    await l.controller.override('REVIEW', 'staff-007', 'wrong truck');
    await l.controller.idle();
    expect(l.barrier.commands).toEqual(['open', 'close']);
    expect(l.of('barrier').at(-1)).toMatchObject({
      action: 'close',
      by: 'staff',
      staffId: 'staff-007',
      ok: true,
    });
  });

  it('a PASS by staff after a YARD decision shows no bay', async () => {
    const l = lane();
    await l.controller.start();
    await pass(l, 'GREEN');
    expect(l.decision()).toMatchObject({ outcome: 'YARD', bay: 'P-0001' });
    await l.controller.override('PASS', 'staff-007', 'tested at the kiosk');
    expect(l.lastDecision()?.outcome).toBe('PASS');
    expect(l.lastDecision()?.bay).toBeUndefined();
  });

  it('the barrier opened by hand for the truck in REVIEW: the record names its transit, which ends as cleared', async () => {
    const l = lane();
    await l.controller.start();
    await pass(l, 'FORGED');
    const transitId = l.decision()?.transitId;
    const r = await l.controller.barrierByHand('open', 'staff-007');
    expect(r.ok).toBe(true);
    expect(l.of('barrier')[0]).toMatchObject({ transitId, by: 'staff', action: 'open' });
    l.drive.clear();
    await l.controller.idle();
    expect(l.of('transit-end')[0]).toMatchObject({ transitId, end: 'cleared' });
  });

  it('an ISOLATE by staff raises its alarm without the staff member’s own words (alarms are logged)', async () => {
    const l = lane();
    await l.controller.start();
    await pass(l);
    await l.controller.override('ISOLATE', 'staff-007', 'driver 李四 says he is ill');
    expect(l.lastDecision()?.reasons[0]?.detail).toBe('driver 李四 says he is ill');
    const isolate = l.of('alarm').find((a) => a.kind === 'isolate');
    expect(isolate?.message).not.toContain('李四');
  });
});

describe('manual mode: barrier faults and offline devices', () => {
  it('a barrier fault of its own (an auto-close) turns the lane manual with one alarm; reaching a limit again returns it to auto', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.barrierState('fault', 'closing');
    await l.controller.idle();
    expect(l.controller.state()).toMatchObject({ mode: 'manual' });
    expect(l.alarms()).toEqual(['barrier-fault']);
    // A command failing on the same fault: no second alarm.
    l.barrier.failNext((action) => ({
      ok: false,
      action,
      failure: 'fault',
      reason: 'still jammed',
      state: 'fault',
      at: 0,
    }));
    await l.controller.barrierByHand('close', 'staff-007');
    expect(l.alarms()).toEqual(['barrier-fault']);
    l.drive.barrierState('closed', 'fault');
    await l.controller.idle();
    expect(l.controller.state().mode).toBe('auto');
  });

  it('a barrier that does not answer an open turns the lane manual with an alarm; staff put it back to auto', async () => {
    const l = lane();
    await l.controller.start();
    l.barrier.failNext((action) => ({
      ok: false,
      action,
      failure: 'no-reply',
      reason: 'no reply in 500 ms',
      state: 'closed',
      at: 0,
    }));
    await pass(l);
    await l.controller.idle();
    expect(l.controller.state()).toMatchObject({
      mode: 'manual',
      modeReason: 'barrier did not open: no reply in 500 ms',
    });
    expect(l.alarms()).toEqual(['barrier-fault']);
    await l.controller.setMode('auto', 'checked the barrier');
    expect(l.controller.state().mode).toBe('auto');
  });

  it('staff cannot put a lane with an offline device back to auto', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.health('thermometer', 'offline', 'online');
    await l.controller.idle();
    await l.controller.setMode('auto', 'try again');
    expect(l.controller.state()).toMatchObject({ mode: 'manual', modeReason: 'thermometer offline' });
  });

  it('a device that never comes up is offline from the start: the lane is manual, with an alarm after the grace', async () => {
    const l = lane({ health: { scanner: 'offline' } });
    await l.controller.start();
    expect(l.controller.state()).toMatchObject({ mode: 'manual', devices: { scanner: 'offline' } });
    await l.clock.advance(DEVICE_START_GRACE_MS);
    await l.controller.idle();
    expect(l.of('alarm')).toEqual([
      expect.objectContaining({ kind: 'device-offline', message: expect.stringContaining('scanner') }),
    ]);
    l.drive.health('scanner', 'online', 'offline');
    await l.controller.idle();
    expect(l.controller.state().mode).toBe('auto');
  });

  it('maintenance set by staff: a vehicle on the loop begins no transit', async () => {
    const l = lane();
    await l.controller.start();
    await l.controller.setMode('maintenance', 'loop cable repair');
    l.drive.arrive();
    await l.clock.advance(20_000);
    await l.controller.idle();
    expect(l.types()).toEqual([]);
    expect(l.controller.state().transit).toBeUndefined();
  });

  it('maintenance: no transits from the loop, the barrier by hand still works; it holds over a restart', async () => {
    const l = lane({ maintenance: { reason: 'arm replaced' } });
    await l.controller.start();
    expect(l.controller.state()).toMatchObject({ mode: 'maintenance', modeReason: 'arm replaced' });
    await l.truckDecided('GREEN-TESTED');
    expect(l.of('transit-start')).toEqual([]);
    expect(l.types()).toEqual(['scan']);
    const r = await l.controller.barrierByHand('open', 'tech-1');
    expect(r.ok).toBe(true);
    expect(l.of('barrier')[0]).toMatchObject({ action: 'open', by: 'staff', staffId: 'tech-1' });
  });
});

describe('the yard as a lane sees it', () => {
  it('a yard that does not answer: REVIEW with an alarm after the timeout, and the lane is not held up', async () => {
    const l = lane({ reserve: () => new Promise(() => {}) });
    await l.controller.start();
    l.drive.truck('GREEN');
    await vi.waitFor(() => expect(l.reservations).toHaveLength(1));
    let opened = false;
    void l.controller.barrierByHand('open', 'staff-007').then(() => {
      opened = true;
    });
    await l.clock.advance(YARD_TIMEOUT_MS);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW' });
    expect(l.decision()?.reasons.map((r: any) => r.code)).toContain('yard-unavailable');
    expect(l.alarms()).toEqual(['yard-full']);
    expect(opened).toBe(true);
  });

  it('a yard that throws: REVIEW, never a transit stuck undecided', async () => {
    const l = lane({
      reserve: async () => {
        throw new Error('database is locked');
      },
    });
    await l.controller.start();
    await pass(l, 'GREEN');
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW' });
    expect(l.controller.state().transit?.decision?.outcome).toBe('REVIEW');
  });

  it('a held bay whose reservation was not stored: the decision after it is REVIEW, no bay, an alarm, the barrier shut', async () => {
    const l = lane({
      reserve: async () => ({
        ok: true,
        bay: 'P-0001',
        committed: Promise.resolve({ ok: false as const, message: 'disk I/O error' }),
      }),
    });
    await l.controller.start();
    await pass(l, 'GREEN');
    const [first, after] = l.of('decision');
    expect(first).toMatchObject({ outcome: 'YARD', bay: 'P-0001' });
    expect(after).toMatchObject({ outcome: 'REVIEW' });
    expect(after).not.toHaveProperty('bay');
    expect(after?.reasons.map((r: any) => r.code)).toContain('yard-unavailable');
    expect(l.alarms()).toEqual(['yard-full']);
    expect(l.barrier.commands).toEqual([]);
  });

  it('a held bay is committed with the decision: the barrier opens only once both are', async () => {
    let stored: (v: { ok: true }) => void = () => {};
    const l = lane({
      reserve: async () => ({ ok: true, bay: 'P-0007', committed: new Promise((r) => (stored = r)) }),
    });
    await opensOnlyOnceStored(l, () => stored({ ok: true }));
    expect(l.decision()).toMatchObject({ outcome: 'YARD', bay: 'P-0007' });
  });

  it('a full yard: the alarm follows the committed decision', async () => {
    const l = lane({ yardFull: true });
    await l.controller.start();
    await pass(l, 'GREEN');
    expect(l.types().indexOf('decision')).toBeLessThan(l.types().indexOf('alarm'));
  });

  it('at the yard exit the pass shown at the entry is no replay; an unverified code is looked up as a plate', async () => {
    const replay = new ReplayGuard(600_000);
    const entry = lane({ id: 'east-1', replay });
    const exit = lane({ id: 'yard-exit-1', kind: 'yard-exit', replay });
    await entry.controller.start();
    await exit.controller.start();
    await pass(entry, 'GREEN');
    await pass(exit, 'GREEN');
    expect(exit.of('verification')[0]).toMatchObject({ replayed: false });
    expect(exit.alarms()).toEqual([]);
    expect(exit.decision()).toMatchObject({
      outcome: 'PASS',
      reasons: [expect.objectContaining({ code: 'yard-cleared' })],
    });
    exit.drive.clear();
    await exit.controller.idle();
    await pass(exit, '晋D77777');
    expect(exit.exits.at(-1)).toMatchObject({ plate: '晋D77777' });
  });

  it("at the yard exit the truck's exit is committed with the decision: the barrier opens only once both are", async () => {
    let stored: (v: { ok: true }) => void = () => {};
    const l = lane({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      exit: async () => ({ allowed: true, bay: 'P-0009', committed: new Promise((r) => (stored = r)) }),
    });
    await opensOnlyOnceStored(l, () => stored({ ok: true }));
    expect(l.decision()).toMatchObject({
      outcome: 'PASS',
      reasons: [expect.objectContaining({ code: 'yard-cleared' })],
    });
  });

  it("at the yard exit, a truck's exit that was not stored: the decision after it is REVIEW and the barrier stays shut", async () => {
    const l = lane({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      exit: async () => ({
        allowed: true,
        bay: 'P-0009',
        committed: Promise.resolve({ ok: false as const, message: 'disk I/O error' }),
      }),
    });
    await l.controller.start();
    await pass(l, 'GREEN');
    const [first, after] = l.of('decision');
    expect(first).toMatchObject({ outcome: 'PASS' });
    expect(after).toMatchObject({ outcome: 'REVIEW' });
    expect(after?.reasons).toContainEqual(
      expect.objectContaining({
        code: 'yard-not-cleared',
        detail: "the truck's exit was not stored: disk I/O error",
      }),
    );
    expect(l.barrier.commands).toEqual([]);
  });

  it("at the yard exit, a truck's exit whose commit failed outright (rejected) is taken as not stored: REVIEW, the barrier shut", async () => {
    const l = lane({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      exit: async () => ({
        allowed: true,
        bay: 'P-0009',
        committed: Promise.reject(new Error('apply failed')),
      }),
    });
    await l.controller.start();
    await pass(l, 'GREEN');
    expect(l.of('decision').map((d) => d.outcome)).toEqual(['PASS', 'REVIEW']);
    expect(l.lastDecision()?.reasons).toContainEqual(
      expect.objectContaining({ detail: "the truck's exit was not stored: apply failed" }),
    );
    expect(l.barrier.commands).toEqual([]);
  });

  it('a yard that does not answer the exit lane within 5 s: REVIEW, and the yard is told the lane gave up', async () => {
    let gaveUp: AbortSignal | undefined;
    const l = lane({
      id: 'yard-exit-1',
      kind: 'yard-exit',
      exit: (_q, signal) => {
        gaveUp = signal;
        return new Promise(() => {}); // the bay's lock is held elsewhere
      },
    });
    await l.controller.start();
    l.drive.truck('GREEN');
    await vi.waitFor(() => expect(gaveUp).toBeDefined());
    expect(gaveUp?.aborted).toBe(false);
    await l.clock.advance(5_000);
    await l.controller.idle();
    expect(gaveUp?.aborted).toBe(true);
    expect(l.decision()).toMatchObject({ outcome: 'REVIEW' });
    expect(l.barrier.commands).toEqual([]);
  });

  it('a fever at the yard exit isolates: the yard is not asked to let the truck out', async () => {
    const l = lane({ id: 'yard-exit-1', kind: 'yard-exit', rules: { feverConfirm: 'immediate' } });
    await l.controller.start();
    await l.truckDecided('GREEN', 38.1);
    expect(l.decision()).toMatchObject({
      outcome: 'ISOLATE',
      reasons: [expect.objectContaining({ code: 'fever' })],
    });
    expect(l.exits).toEqual([]);
    expect(l.barrier.commands).toEqual([]);
    expect(l.alarms()).toEqual(['fever', 'isolate']);
  });
});
