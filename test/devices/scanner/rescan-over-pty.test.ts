import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../../core/clock.ts';
import { type ScannerOnPty, scannerOnPty } from '../support/scanner-on-pty.ts';
import { sleep, until, writePaced } from '../support/wait.ts';

/**
 * Attack finding 4 on issue 18, through the real driver and a PTY: the first 100 bytes of a
 * pass, no tail, then a pause shorter than the resync silence and a whole pass: the second pass
 * is scanned (it used to be eaten as the first one's tail), and a tail without a prefix is
 * still no code.
 */

describe('scanner: a rescan right after a cut code is read (real PTY, paced at 9600 baud)', () => {
  let scanner: ScannerOnPty | undefined;
  afterEach(async () => {
    await scanner?.close();
    scanner = undefined;
  });

  it('100 bytes of p1, 500 ms of silence, p2 whole: p2 is a code, p1 one truncated error', async () => {
    // 250 ms rather than the default 100: a starved socat on a busy test box must not cut p2.
    scanner = await scannerOnPty('scanner-rescan', { interByteGapMs: 250, clock: new ScaledClock(1) });
    const { codes, errors, write: w } = scanner;

    const p1 = `HC1:${'6BF'.repeat(100)}`;
    const p2 = `GP1:${'a'.repeat(150)}.${'b'.repeat(40)}.c`;
    await writePaced(w, Buffer.from(p1).subarray(0, 100));
    await sleep(500);
    await writePaced(w, Buffer.from(`${p2}\r`));
    await until(() => codes.length === 1, 5000, 'the rescan');
    expect(codes.map((c) => c.code)).toEqual([p2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'truncated', bytes: 100 });

    // The item-9 protection still holds: a tail without a prefix after the pause is no code.
    await sleep(1200);
    const cut = Buffer.from(`HC1:${'6BF'.repeat(60)}\r`);
    await writePaced(w, cut.subarray(0, 100));
    await sleep(500);
    await writePaced(w, cut.subarray(100));
    await until(() => errors.length === 2, 5000, 'the second truncated error');
    expect(errors[1]).toMatchObject({ kind: 'truncated', bytes: cut.length - 1 });
    await sleep(300);
    expect(codes).toHaveLength(1);
  });
});
