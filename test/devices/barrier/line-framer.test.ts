import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer, type LineFramerOutput } from '../../../devices/barrier/line-framer.ts';
import { commandBytes, parseBarrierLine } from '../../../devices/barrier/serial-protocol.ts';

const lines = (outs: LineFramerOutput[]) => outs.flatMap((o) => (o.kind === 'line' ? [o.text] : []));

describe('serial barrier lines (datasheet section 4)', () => {
  it('splits on CR, ignores LF, and parses every reply the datasheet names', () => {
    const f = new LineFramer();
    const got = lines(f.push(Buffer.from('OK\r\nERR LOOP\rST CLOSING LOOP=1\rST OPEN LOOP=0\r\r')));
    expect(got).toEqual(['OK', 'ERR LOOP', 'ST CLOSING LOOP=1', 'ST OPEN LOOP=0']);
    expect(got.map(parseBarrierLine)).toEqual([
      { kind: 'ok' },
      { kind: 'err', reason: 'LOOP' },
      { kind: 'status', state: 'closing', loop: true, inputs: { LOOP: true } },
      { kind: 'status', state: 'open', loop: false, inputs: { LOOP: false } },
    ]);
    expect(parseBarrierLine('ST HALFWAY LOOP=0')).toEqual({ kind: 'unknown', text: 'ST HALFWAY LOOP=0' });
    expect(commandBytes('STATUS').toString()).toBe('STATUS\r');
  });

  it('reads the extended ST line: LOOP as the datasheet has it, then named input fields', () => {
    expect(parseBarrierLine('ST CLOSING LOOP=0 PE1=1 ARM=0 RST=1')).toEqual({
      kind: 'status',
      state: 'closing',
      loop: false,
      inputs: { LOOP: false, PE1: true, ARM: false, RST: true },
    });
    // LOOP stays first and required; a field twice, a lower-case or long name, or a level
    // other than 0/1 is no status line.
    for (const bad of [
      'ST OPEN PE1=1 LOOP=0',
      'ST OPEN LOOP=0 PE1=1 PE1=0',
      'ST OPEN LOOP=0 pe1=1',
      'ST OPEN LOOP=0 PHOTO=1',
      'ST OPEN LOOP=0 PE1=2',
      'ST OPEN LOOP=0 A=1 B=1 C=1 D=1 E=1 F=1 G=1',
    ])
      expect(parseBarrierLine(bad)).toEqual({ kind: 'unknown', text: bad });
  });

  it('discards an overlong line or one with bytes outside printable ASCII, and counts it', () => {
    const f = new LineFramer(8);
    const outs = f.push(
      Buffer.from([...Buffer.from('ST OPEN LOOP=0'), 0x0d, 0x4f, 0x00, 0x4b, 0x0d, 0x4f, 0x4b, 0x0d]),
    );
    expect(outs.map((o) => o.kind)).toEqual(['bad', 'bad', 'line']);
    expect(outs[0]).toMatchObject({ bytes: 14 });
    expect(lines(outs)).toEqual(['OK']);
  });
});

describe('LineFramer: adversarial byte streams (fast-check)', () => {
  it('never throws, stays within its cap, and recovers every valid line that follows a CR', () => {
    const validLine = fc
      .constantFrom('OK', 'ERR LOOP', 'ERR FAULT', 'ST OPEN LOOP=0', 'ST CLOSED LOOP=1', 'ST FAULT LOOP=0')
      .map((t) => Buffer.from(`${t}\r`));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(validLine, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (noise, good, cut) => {
          const f = new LineFramer(64);
          const stream = Buffer.concat([Buffer.from(noise), Buffer.from([0x0d]), ...good]);
          const at = cut % (stream.length + 1);
          const outs = [...f.push(stream.subarray(0, at)), ...f.push(stream.subarray(at))];
          expect(f.buffered).toBeLessThanOrEqual(64);
          for (const o of outs) if (o.kind === 'line') expect(() => parseBarrierLine(o.text)).not.toThrow();
          expect(lines(outs).slice(-good.length)).toEqual(good.map((g) => g.toString().slice(0, -1)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
