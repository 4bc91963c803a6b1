import { describe, expect, it } from 'vitest';
import { EventTimeline } from '../../../devices/scanner/event-timeline.ts';
import { ScannerFramer } from '../../../devices/scanner/framer.ts';

/** Key presses at kernel times `keysAt`, read in `reads` (index of the first key of each read, and when). */
function framedCode(keysAt: number[], reads: { from: number; at: number }[], gapMs = 100) {
  const framer = new ScannerFramer({
    terminator: 'CR',
    stxEtx: false,
    maxCodeBytes: 4096,
    interByteGapMs: gapMs,
  });
  const timeline = new EventTimeline();
  const out = [];
  const bytes = [...'GP1:abcdefgh'].map((c) => c.charCodeAt(0));
  bytes.push(0x0d);
  for (const [r, read] of reads.entries()) {
    const to = reads[r + 1]?.from ?? keysAt.length;
    timeline.anchor(keysAt[read.from] as number, read.at, !framer.busy);
    for (let k = read.from; k < to; k++)
      out.push(
        ...framer.push(Uint8Array.of(bytes[k] as number), timeline.place(keysAt[k] as number, read.at)),
      );
  }
  return out;
}

describe('kernel key times on the wire clock', () => {
  const keysAt = Array.from({ length: 13 }, (_, i) => 1_767_225_600_000 + i * 3); // a key every 3 ms

  it('a gateway that stalls 300 ms mid-code and then reads the rest at once does not cut the code', () => {
    const out = framedCode(keysAt, [
      { from: 0, at: 5_000 },
      { from: 6, at: 5_320 },
    ]);
    expect(out).toEqual([{ kind: 'code', text: 'GP1:abcdefgh', bytes: 12 }]);
  });

  it('a real 300 ms pause between two keys cuts it, however promptly each key was read', () => {
    const paused = keysAt.map((t, i) => (i >= 6 ? t + 300 : t));
    const out = framedCode(paused, [
      { from: 0, at: 5_000 },
      { from: 6, at: 5_318 },
    ]);
    expect(out.map((o) => (o.kind === 'bad' ? o.reason : o.kind))).toEqual(['truncated']);
  });

  it('a new code takes the offset afresh (the realtime clock was stepped between codes)', () => {
    const t = new EventTimeline();
    t.anchor(1000, 50, true);
    expect(t.place(1010, 60)).toBe(60);
    t.anchor(-5000, 70, true); // stepped back by 6 s
    expect(t.place(-4990, 80)).toBe(80);
    expect(t.place(-4000, 80)).toBe(80); // never later than the read that brought it
  });
});
