import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lane } from './lane-harness.ts';
import { LaneRecordSchemas } from './lane-record-check.ts';

type Lane = ReturnType<typeof lane>;

/**
 * The fake barrier, made to report its arm as the real driver does: a command's movement
 * (opening, then open; closing, then closed) before its result.
 */
function armFollowsCommands(l: Lane): void {
  l.barrier.onCommand((action) => {
    const prev = l.barrier.barrier.state;
    const at = l.clock.now();
    if (action === 'open' && prev !== 'open') {
      l.barrier.emit('state', { state: 'opening', previous: prev, reason: 'open command', at });
      l.barrier.emit('state', { state: 'open', previous: 'opening', reason: 'open limit reached', at });
    }
    if (action === 'close' && prev !== 'closed' && !l.barrier.barrier.loop) {
      l.barrier.emit('state', { state: 'closing', previous: prev, reason: 'close command', at });
      l.barrier.emit('state', { state: 'closed', previous: 'closing', reason: 'closed limit reached', at });
    }
  });
}

/** The arm moved by the driver's own rules or by hand at the post: no command of the lane's. */
function armMoves(l: Lane, to: 'open' | 'closed', reason: string): void {
  const at = l.clock.now();
  const prev = l.barrier.barrier.state;
  const moving = to === 'open' ? 'opening' : 'closing';
  l.barrier.emit('state', { state: moving, previous: prev, reason, at });
  l.barrier.emit('state', { state: to, previous: moving, reason: `${to} limit reached`, at });
}

describe('an arm that moves without a command of the lane (east-2: ST OPENING, ST OPEN by a local button)', () => {
  it('raises barrier-unexpected-open and records the movement; the vehicle crossing it ends unauthorized with an alarm; closing again clears the alarm', async () => {
    const l = lane({ id: 'east-2' });
    armFollowsCommands(l);
    await l.controller.start();
    armMoves(l, 'open', 'arm left its limit');
    await l.controller.idle();
    expect(l.of('alarm')).toEqual([
      expect.objectContaining({ lane: 'east-2', kind: 'barrier-unexpected-open', active: true }),
    ]);
    expect(l.of('barrier')).toEqual([
      expect.objectContaining({ lane: 'east-2', action: 'open', by: 'barrier', ok: true, state: 'opening' }),
    ]);

    l.drive.arrive();
    l.drive.clear();
    await l.controller.idle();
    const start = l.of('transit-start');
    expect(start).toHaveLength(1);
    expect(l.of('transit-end')).toEqual([
      expect.objectContaining({ transitId: start[0].transitId, end: 'unauthorized' }),
    ]);
    expect(l.of('alarm').at(-1)).toMatchObject({
      kind: 'unauthorized-passage',
      transitId: start[0].transitId,
    });

    // The driver's close-after-clear: recorded as the barrier's own move; the alarm clears.
    armMoves(l, 'closed', 'auto-close after the vehicle cleared');
    await l.controller.idle();
    expect(l.of('barrier').at(-1)).toMatchObject({
      action: 'close',
      by: 'barrier',
      state: 'closing',
      reason: 'auto-close after the vehicle cleared',
    });
    expect(l.of('alarm').at(-1)).toMatchObject({ kind: 'barrier-unexpected-open', active: false });
    expect(l.barrier.commands).toEqual([]);
    for (const r of l.records) LaneRecordSchemas.check(r);
  });

  it('a vehicle that comes and backs off while the arm stays shut still ends abandoned', async () => {
    const l = lane();
    await l.controller.start();
    l.drive.arrive();
    l.drive.clear();
    await l.controller.idle();
    expect(l.of('transit-end')[0]).toMatchObject({ end: 'abandoned' });
    expect(l.alarms()).toEqual([]);
  });

  it('the normal PASS flow ends cleared with no such alarm; the auto-close after it leaves a barrier record', async () => {
    const l = lane();
    armFollowsCommands(l);
    await l.controller.start();
    await l.truckDecided('GREEN-TESTED');
    expect(l.barrier.commands).toEqual(['open']);
    l.drive.clear();
    await l.controller.idle();
    expect(l.of('transit-end')[0]).toMatchObject({ end: 'cleared', outcome: 'PASS' });
    expect(l.of('barrier')).toEqual([expect.objectContaining({ action: 'open', by: 'decision', ok: true })]);
    armMoves(l, 'closed', 'auto-close after the vehicle cleared');
    await l.controller.idle();
    expect(l.of('barrier').map((b) => [b.action, b.by])).toEqual([
      ['open', 'decision'],
      ['close', 'barrier'],
    ]);
    expect(l.alarms()).toEqual([]);
  });

  it("the driver's 30 s no-vehicle auto-close leaves a barrier record", async () => {
    const l = lane({ thermometer: false });
    armFollowsCommands(l);
    await l.controller.start();
    await l.controller.register({ plate: '冀A55555', name: '李四', idNumber: '130102198001011234' });
    await l.controller.override('PASS', 'staff-007', 'known driver');
    await l.controller.idle();
    armMoves(l, 'closed', 'auto-close: no vehicle within 30000 ms');
    await l.controller.idle();
    expect(l.of('barrier').at(-1)).toMatchObject({
      action: 'close',
      by: 'barrier',
      ok: true,
      reason: 'auto-close: no vehicle within 30000 ms',
    });
    expect(l.alarms()).toEqual([]);
  });

  it("a lane's own close is recorded once (its result), not again as the barrier's own move", async () => {
    const l = lane({ thermometer: false });
    armFollowsCommands(l);
    await l.controller.start();
    await l.controller.barrierByHand('open', 'staff-007');
    await l.controller.barrierByHand('close', 'staff-007');
    await l.controller.idle();
    expect(l.of('barrier').map((b) => [b.action, b.by])).toEqual([
      ['open', 'staff'],
      ['close', 'staff'],
    ]);
    expect(l.alarms()).toEqual([]);
  });

  it('property: a transit ends cleared only if a decision (or staff) opened the arm for it; unauthorized only past an arm nothing opened', async () => {
    type Step = 'arrive' | 'clear' | 'pass' | 'forged' | 'button-open' | 'auto-close' | 'staff-open';
    const step = fc.constantFrom<Step>(
      'arrive',
      'clear',
      'pass',
      'forged',
      'button-open',
      'auto-close',
      'staff-open',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const l = lane({ thermometer: false });
        armFollowsCommands(l);
        // The model: the arm is open by a command of the lane's, or by a button, until it closes.
        let commanded = false;
        let byButton = false;
        l.barrier.onCommand((action) => {
          if (action === 'open') commanded = true;
          else if (!l.barrier.barrier.loop) commanded = byButton = false;
        });
        await l.controller.start();
        for (const s of steps) {
          const b = l.barrier.barrier;
          if (s === 'arrive' && !b.loop) l.drive.arrive();
          if (s === 'clear' && b.loop) {
            const endsBefore = l.of('transit-end').length;
            const crossedWithoutCommand = byButton && !commanded;
            l.drive.clear();
            await l.controller.idle();
            const ended = l.of('transit-end').slice(endsBefore);
            // The transit of the vehicle that cleared: unauthorized exactly when no command opened the arm.
            for (const e of ended)
              if (e.end !== 'cleared')
                expect(e.end).toBe(crossedWithoutCommand ? 'unauthorized' : 'abandoned');
          }
          if (s === 'pass') l.drive.scan('GREEN');
          if (s === 'forged') l.drive.scan('FORGED');
          if (s === 'button-open' && b.state !== 'open') {
            byButton = true;
            armMoves(l, 'open', 'arm left its limit');
          }
          if (s === 'auto-close' && b.state === 'open' && !b.loop) {
            commanded = byButton = false;
            armMoves(l, 'closed', 'auto-close');
          }
          if (s === 'staff-open') await l.controller.barrierByHand('open', 'staff-007');
          await l.controller.idle();
        }
        const opened = new Set(
          l
            .of('barrier')
            .filter((r) => r.action === 'open' && r.ok && r.by !== 'barrier')
            .map((r) => r.transitId),
        );
        for (const end of l.of('transit-end')) {
          if (end.end === 'cleared') expect(opened.has(end.transitId)).toBe(true);
          if (end.end === 'unauthorized') {
            expect(opened.has(end.transitId)).toBe(false);
            expect(l.of('alarm').some((a) => a.kind === 'barrier-unexpected-open' && a.active)).toBe(true);
          }
        }
        const ups = l.of('alarm').filter((a) => a.kind === 'barrier-unexpected-open');
        // Raised, cleared, raised...
        expect(ups.map((a) => a.active)).toEqual(ups.map((_, i) => i % 2 === 0));
        expect(l.of('alarm').filter((a) => a.kind === 'unauthorized-passage')).toHaveLength(
          l.of('transit-end').filter((e) => e.end === 'unauthorized').length,
        );
      }),
      { numRuns: 150 },
    );
  });
});
