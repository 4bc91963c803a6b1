import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../core/clock.ts';
import { type ScannerOnPty, scannerOnPty } from '../support/scanner-on-pty.ts';
import { sleep, until, writePaced } from '../support/wait.ts';

/**
 * Issue 18, item 18: the inter-byte gap is wire time. On a clock sped up 60 times (the
 * simulator's scale) a code paced at 9600 baud must be read whole, and a real pause over the gap must
 * still cut a code, whatever the clock's scale.
 */

describe('scanner wire timings on a sped-up clock (real PTY, bytes paced at 9600 baud)', () => {
  let scanner: ScannerOnPty | undefined;
  afterEach(async () => {
    await scanner?.close();
    scanner = undefined;
  });

  it('at ×60 reads paced codes whole and still cuts a code at a real pause over the gap', async () => {
    // 300 ms rather than the default 100: a starved socat on a busy test box must not look like
    // a pause. At x60 it was still 5 ms of real time before (gaps were clock time).
    scanner = await scannerOnPty('scanner-x60', { interByteGapMs: 300, clock: new ScaledClock(60) });
    const { codes, errors, write: w } = scanner;
    // 16-byte bursts every ~17 ms of real time: 1 s of the ×60 clock between bursts.
    const passes = [`GP1:${'a'.repeat(200)}.${'b'.repeat(60)}.c`, `HC1:${'6BF'.repeat(90)}`];
    for (const pass of passes) {
      await writePaced(w, Buffer.from(`${pass}\r`));
      await sleep(150);
    }
    await until(() => codes.length === 2, 5000, 'both codes');
    expect(codes.map((c) => c.code)).toEqual(passes);
    expect(errors).toEqual([]);

    // A real pause of 450 ms after 100 bytes cuts the code; its tail is no code.
    const cut = Buffer.from(`HC1:${'6BF'.repeat(60)}\r`);
    await writePaced(w, cut.subarray(0, 100));
    await sleep(450);
    await writePaced(w, cut.subarray(100));
    await until(() => errors.length === 1, 5000, 'the truncated error');
    expect(errors[0]).toMatchObject({ kind: 'truncated', bytes: cut.length - 1 });
    await sleep(200);
    expect(codes).toHaveLength(2);
  });
});
