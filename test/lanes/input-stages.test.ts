import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INPUT_STAGES, inputStageTimes, type LaneInput } from '../../gateway/lanes/input-stages.ts';
import { lane } from './lane-harness.ts';

const total = (s: Record<string, number>) => INPUT_STAGES.reduce((n, k) => n + (s[k] ?? 0), 0);

describe('the stages of an input on its way to the barrier command', () => {
  it('are never negative and add up to the whole way, whatever marks are set, missing or out of order', () => {
    const mark = fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        mark,
        mark,
        mark,
        mark,
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (at, handledAt, verifiedAt, committingAt, committedAt, commandAt) => {
          const input: LaneInput = { kind: 'scan', at };
          if (handledAt !== undefined) input.handledAt = handledAt;
          if (verifiedAt !== undefined) input.verifiedAt = verifiedAt;
          if (committingAt !== undefined) input.committingAt = committingAt;
          if (committedAt !== undefined) input.committedAt = committedAt;
          const s = inputStageTimes(input, commandAt);
          for (const k of INPUT_STAGES) if (s[k] !== undefined) expect(s[k]).toBeGreaterThanOrEqual(0);
          // A stage is there exactly when its input passed its mark (the command always).
          expect(Object.keys(s).sort()).toEqual(
            (
              [
                ['queue', handledAt],
                ['verify', verifiedAt],
                ['decide', committingAt],
                ['commit', committedAt],
                ['command', commandAt],
              ] as const
            )
              .filter(([, m]) => m !== undefined)
              .map(([k]) => k)
              .sort(),
          );
          // The whole way is the command's time less the input's, or whatever the marks pushed it to.
          const last = Math.max(
            at,
            ...[handledAt, verifiedAt, committingAt, committedAt, commandAt].filter((x) => x !== undefined),
          );
          expect(total(s)).toBeCloseTo(last - at, 6);
          if (commandAt >= last) expect(total(s)).toBeCloseTo(commandAt - at, 6);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a missing mark leaves its stage out and gives its time to the next stage', () => {
    const s = inputStageTimes(
      { kind: 'measurement', at: 100, handledAt: 101, committingAt: 104, committedAt: 110 },
      111,
    );
    expect(s).toEqual({ queue: 1, decide: 3, commit: 6, command: 1 });
    // A mark earlier than the one before it counts from that one: nothing goes negative.
    expect(inputStageTimes({ kind: 'scan', at: 100, handledAt: 105, verifiedAt: 103 }, 106)).toEqual({
      queue: 5,
      verify: 0,
      command: 1,
    });
  });

  it('put a slow verification and a slow commit where they belong, on a lane the scan decides', async () => {
    const l = lane({ thermometer: false, verifyMs: 30, commitMs: 40 });
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'PASS', trigger: 'scan' });
    expect(l.barrier.commands).toEqual(['open']);
    expect(l.stages).toHaveLength(1);
    const [s] = l.stages;
    expect(total(s ?? {})).toBeCloseTo((l.latencies[0] ?? 0) * 1000, 3);
    // Timers may fire up to a millisecond early on performance.now()'s scale.
    expect(s?.verify).toBeGreaterThanOrEqual(29);
    expect(s?.commit).toBeGreaterThanOrEqual(39);
    // The other stages hold neither wait (each is far shorter than either).
    const others = Math.max(s?.queue ?? 0, s?.decide ?? 0, s?.command ?? 0);
    expect(others).toBeLessThan(Math.min(s?.verify ?? 0, s?.commit ?? 0));
  });

  it('has no verification stage when a measurement completes the decision', async () => {
    const l = lane({ verifyMs: 30, commitMs: 5 });
    await l.controller.start();
    l.drive.arrive();
    l.drive.scan('GREEN-TESTED');
    await l.controller.idle();
    l.drive.measure(36.5);
    await l.controller.idle();
    expect(l.decision()).toMatchObject({ outcome: 'PASS', trigger: 'measurement' });
    expect(l.stages).toHaveLength(1);
    expect(l.stages[0]).not.toHaveProperty('verify');
    expect(l.stages[0]?.commit).toBeGreaterThanOrEqual(4);
  });
});
