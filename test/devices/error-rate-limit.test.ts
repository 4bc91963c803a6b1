import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode } from '../../core/errors.ts';
import { ErrorRateLimit } from '../../devices/error-rate-limit.ts';
import type { DeviceErrorEvent } from '../../devices/events.ts';

const KINDS = [
  { errorCode: ErrorCode.CodeHasNul, kind: 'nul' },
  { errorCode: ErrorCode.CodeInvalidUtf8, kind: 'invalid-utf8' },
  { errorCode: ErrorCode.FrameDiscarded, kind: 'babble' },
] as const;

describe('ErrorRateLimit: a driver error budget that loses no count (fast-check)', () => {
  it('at most perWindow one by one in any window, one summary per kind, every error accounted for', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), k: fc.nat(2), bytes: fc.nat(50) }), {
          maxLength: 300,
        }),
        async (errors) => {
          const clock = new ManualClock();
          const out: { e: DeviceErrorEvent; t: number }[] = [];
          const limit = new ErrorRateLimit({ wire: clock, emit: (e) => out.push({ e, t: clock.now() }) });
          let bytes = 0;
          for (const { gap, k, bytes: b } of errors) {
            await clock.advance(gap);
            bytes += b;
            limit.report({ ...KINDS[k]!, message: 'bad', bytes: b, at: clock.now() });
          }
          await clock.advance(2000);
          limit.dispose();
          const single = out.filter((o) => o.e.suppressed === undefined);
          const summaries = out.filter((o) => o.e.suppressed !== undefined);
          // Nothing lost: one by one plus the summaries' counts is every error, bytes too.
          expect(single.length + summaries.reduce((n, o) => n + (o.e.suppressed ?? 0), 0)).toBe(
            errors.length,
          );
          expect(out.reduce((n, o) => n + (o.e.bytes ?? 0), 0)).toBe(bytes);
          expect(limit.suppressed).toBe(errors.length - single.length);
          // Windows of 1000 ms from the first error after the last window: at most 10 one by one
          // in each, so at most 20 in any 1000 ms; summaries at most one per kind a window.
          for (const o of single) {
            expect(single.filter((p) => p.t >= o.t && p.t < o.t + 1000).length).toBeLessThanOrEqual(20);
          }
          for (const o of summaries) {
            const same = summaries.filter((p) => p.e.kind === o.e.kind && p.t >= o.t && p.t < o.t + 1000);
            expect(same.length).toBeLessThanOrEqual(1);
          }
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
