import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InputEventStream,
  inputEventSizeFor,
  readInputEvent,
  resolveInputEventSize,
} from '../../../devices/scanner/input-event.ts';
import { encodeInputEvent } from '../../../sim/devices/scanner/input-event-encode.ts';

describe('struct input_event', () => {
  it('reads the 24-byte record of a 64-bit process (x86_64, arm64)', () => {
    // KEY_A (30) down at 1767225600.250000: timeval as two little-endian 64-bit longs.
    const rec = Buffer.from('00b9556900000000' + '90d0030000000000' + '0100' + '1e00' + '01000000', 'hex');
    expect(rec).toHaveLength(24);
    expect(readInputEvent(rec, 0, 24)).toEqual({ timeMs: 1767225600250, type: 1, code: 30, value: 1 });
  });

  it('reads the 16-byte record of a 32-bit process (armv7), a negative value too', () => {
    const rec = Buffer.from('00b95569' + '90d00300' + '0200' + '0000' + 'ffffffff', 'hex');
    expect(rec).toHaveLength(16);
    expect(readInputEvent(rec, 0, 16)).toEqual({ timeMs: 1767225600250, type: 2, code: 0, value: -1 });
  });

  it('the record size follows the process architecture, unless the config sets it', () => {
    expect(['x64', 'arm64', 'arm', 'ia32'].map(inputEventSizeFor)).toEqual([24, 24, 16, 16]);
    expect(resolveInputEventSize('auto', 'arm')).toBe(16);
    expect(resolveInputEventSize(24, 'arm')).toBe(24);
    expect(resolveInputEventSize('auto', process.arch)).toBe(inputEventSizeFor(process.arch));
  });

  it('a stream cut anywhere gives the same records, never holding more than one partial record', () => {
    const event = fc.record({
      timeMs: fc.integer({ min: 0, max: 4_000_000_000_000 }).map((us) => us / 1000),
      type: fc.integer({ min: 0, max: 0xffff }),
      code: fc.integer({ min: 0, max: 0xffff }),
      value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 20 }),
        fc.constantFrom(16 as const, 24 as const),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (events, size, steps) => {
          // 32-bit records hold seconds up to 2^32 - 1.
          const evs =
            size === 16 ? events.map((e) => ({ ...e, timeMs: e.timeMs % 4_294_967_295_000 })) : events;
          const bytes = Buffer.concat(evs.map((e) => encodeInputEvent(e, size)));
          const stream = new InputEventStream(size);
          const got = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = steps[i % steps.length] as number;
            got.push(...stream.push(bytes.subarray(at, at + n)));
            expect(stream.pending).toBeLessThan(size);
            at += n;
          }
          expect(got.map((e) => ({ ...e, timeMs: Math.round(e.timeMs * 1000) }))).toEqual(
            evs.map((e) => ({ ...e, timeMs: Math.round(e.timeMs * 1000) })),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
