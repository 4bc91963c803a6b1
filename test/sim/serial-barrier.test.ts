import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { SerialBarrierConfigSchema } from '../../devices/barrier/config.ts';
import { PtyAttachment } from '../../sim/attach/attachment.ts';
import { DEFAULT_TRAVEL_MS } from '../../sim/devices/barrier/arm.ts';
import { SimSerialBarrier } from '../../sim/devices/barrier/serial-barrier.ts';
import { CrLineSplitter, MAX_COMMAND_BYTES } from '../../sim/devices/barrier/serial-protocol.ts';
import { wireTimeMs } from '../../sim/pacing.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

/** Datasheet section 4: a reply comes within 100 ms. */
const REPLY_MS = 100;

async function ptyBarrier() {
  const clock = new ManualClock();
  const att = new PtyAttachment();
  closers.push(() => att.close());
  const dir = await makeTempDir();
  const cfg = SerialBarrierConfigSchema.parse({ kind: 'serial', port: { path: `${dir}/barrier` } });
  const barrier = new SimSerialBarrier(cfg, att, { clock });
  await barrier.start();
  closers.push(() => barrier.stop());
  const host = await openHostEnd(cfg.port.path, format8N1(9600));
  closers.push(() => host.close());
  const rec = new ByteRecorder(host);
  /** Sends a command and returns the CR-terminated lines received until `lines` have come. */
  const send = async (cmd: string, lines: number) => {
    rec.clear();
    const t0 = performance.now();
    await host.write(Buffer.from(cmd, 'latin1'));
    const got = await rec.waitFor((b) => b.toString('latin1').split('\r').length - 1 >= lines, 1000);
    return {
      lines: got.toString('latin1').split('\r').slice(0, -1),
      firstMs: (rec.chunks[0]?.at ?? t0) - t0,
    };
  };
  /** Lines that arrive on their own (unsolicited) within `ms`. */
  const unsolicited = async (n: number) => {
    rec.clear();
    const got = await rec.waitFor((b) => b.toString('latin1').split('\r').length - 1 >= n, 1000);
    return got.toString('latin1').split('\r').slice(0, -1);
  };
  return { clock, barrier, host, rec, send, unsolicited };
}

describe('simulated serial barrier over a real PTY (datasheet section 4)', () => {
  it('OPEN: OK first, then ST OPENING, then ST OPEN after the travel time', async () => {
    const { clock, barrier, send, unsolicited } = await ptyBarrier();
    const { lines, firstMs } = await send('OPEN\r', 2);
    expect(lines).toEqual(['OK', 'ST OPENING LOOP=0']);
    expect(firstMs).toBeGreaterThanOrEqual(wireTimeMs(format8N1(9600), 'OPEN\rOK\r'.length));
    expect(firstMs).toBeLessThan(REPLY_MS);
    await clock.advance(DEFAULT_TRAVEL_MS - 1);
    expect(barrier.protocolState).toBe('OPENING');
    const [open] = await Promise.all([unsolicited(1), clock.advance(1)]);
    expect(open).toEqual(['ST OPEN LOOP=0']);
  });

  it('STATUS gets only an ST line, within 100 ms', async () => {
    const { send } = await ptyBarrier();
    const { lines, firstMs } = await send('STATUS\r', 1);
    expect(lines).toEqual(['ST CLOSED LOOP=0']);
    expect(firstMs).toBeLessThan(REPLY_MS);
  });

  it('reports the loop unsolicited and refuses CLOSE with ERR LOOP while a vehicle is on it', async () => {
    const { clock, barrier, send, unsolicited } = await ptyBarrier();
    await send('OPEN\r', 2);
    expect((await Promise.all([unsolicited(1), clock.advance(DEFAULT_TRAVEL_MS)]))[0]).toEqual([
      'ST OPEN LOOP=0',
    ]);
    const [arrived] = await Promise.all([unsolicited(1), Promise.resolve(barrier.putVehicle())]);
    expect(arrived).toEqual(['ST OPEN LOOP=1']);
    expect((await send('CLOSE\r', 1)).lines).toEqual(['ERR LOOP']);
    expect(barrier.protocolState).toBe('OPEN');
    expect(barrier.violations.map((v) => v.kind)).toEqual(['close-with-vehicle']);
    const [left] = await Promise.all([unsolicited(1), Promise.resolve(barrier.removeVehicle())]);
    expect(left).toEqual(['ST OPEN LOOP=0']);
    expect((await send('CLOSE\r', 2)).lines).toEqual(['OK', 'ST CLOSING LOOP=0']);
    const [closed] = await Promise.all([unsolicited(1), clock.advance(DEFAULT_TRAVEL_MS)]);
    expect(closed).toEqual(['ST CLOSED LOOP=0']);
  });

  it('a vehicle reaching the loop while closing: reported, re-opened by OPEN, arm-down recorded if not', async () => {
    const { clock, barrier, send, unsolicited } = await ptyBarrier();
    await send('OPEN\r', 2);
    await Promise.all([unsolicited(1), clock.advance(DEFAULT_TRAVEL_MS)]);
    await send('CLOSE\r', 2);
    await clock.advance(1000);
    const [seen] = await Promise.all([unsolicited(1), Promise.resolve(barrier.putVehicle())]);
    expect(seen).toEqual(['ST CLOSING LOOP=1']);
    expect((await send('OPEN\r', 2)).lines).toEqual(['OK', 'ST OPENING LOOP=1']);
    // 1 s of closing left the arm 60 % open: back to open takes the other 40 % of the travel.
    await clock.advance(0.4 * DEFAULT_TRAVEL_MS - 1);
    expect(barrier.protocolState).toBe('OPENING');
    await clock.advance(1);
    expect(barrier.protocolState).toBe('OPEN');
    expect(barrier.violations).toEqual([]);

    barrier.removeVehicle();
    await send('CLOSE\r', 2);
    barrier.putVehicle(); // and nobody re-opens: the arm comes down on it
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(barrier.violations.map((v) => v.kind)).toEqual(['arm-down-on-vehicle']);
  });

  it('a jammed barrier reports FAULT and answers ERR FAULT; unknown commands get ERR UNKNOWN; CRLF is fine', async () => {
    const { barrier, send, unsolicited } = await ptyBarrier();
    const [fault] = await Promise.all([unsolicited(1), Promise.resolve(barrier.jam(true))]);
    expect(fault).toEqual(['ST FAULT LOOP=0']);
    expect((await send('OPEN\r\n', 1)).lines).toEqual(['ERR FAULT']);
    expect((await send('open\r', 1)).lines).toEqual(['ERR UNKNOWN']);
    expect((await send(`${'X'.repeat(MAX_COMMAND_BYTES * 3)}\r`, 1)).lines).toEqual(['ERR UNKNOWN']);
    const [cleared] = await Promise.all([unsolicited(1), Promise.resolve(barrier.jam(false))]);
    expect(cleared).toEqual(['ST CLOSED LOOP=0']);
    expect((await send('STATUS\r', 1)).lines).toEqual(['ST CLOSED LOOP=0']);
  });

  it('answers commands sent in one write in order', async () => {
    const { send } = await ptyBarrier();
    const { lines } = await send('STATUS\rOPEN\rSTATUS\r', 4);
    expect(lines).toEqual(['ST CLOSED LOOP=0', 'OK', 'ST OPENING LOOP=0', 'ST OPENING LOOP=0']);
  });
});

describe('CrLineSplitter', () => {
  it('splits on CR, ignores LF and empty lines, caps line length', () => {
    const s = new CrLineSplitter();
    expect(s.push(Buffer.from('OP'))).toEqual([]);
    expect(s.push(Buffer.from('EN\r\n\rSTA'))).toEqual([{ text: 'OPEN' }]);
    expect(s.push(Buffer.from(`TUS\r${'Z'.repeat(MAX_COMMAND_BYTES + 1)}\rCLOSE\r`))).toEqual([
      { text: 'STATUS' },
      { overflow: true },
      { text: 'CLOSE' },
    ]);
  });
});
