import { afterEach, describe, expect, it } from 'vitest';
import type { Level } from '../../../devices/gpio/gpio.ts';
import type { SimGpioBarrier } from '../../../sim/devices/barrier/gpio-barrier.ts';
import { ByteRecorder, format8N1, openHostEnd } from '../../support/recorder.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { type FaultSite, faultSite } from '../support/fault-site.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

const LINE = { open: 1, close: 2, limitOpen: 3, limitClosed: 4, loop: 5 } as const;

async function setUp(attach: 'pty' | 'in-process'): Promise<FaultSite> {
  const fs = await faultSite(await makeTempDir(), attach);
  closers.push(() => fs.stop());
  return fs;
}

/** The GPIO lane's lines as the gateway sees them, with every change and the clock time it happened. */
function gpioWire(fs: FaultSite) {
  const barrier = fs.site.lane('gpio').barrier as SimGpioBarrier;
  const chip = barrier.chip;
  const changes: { at: number; line: keyof typeof LINE; level: Level }[] = [];
  for (const name of ['limitOpen', 'limitClosed', 'loop'] as const) {
    chip.input(LINE[name]).watch((level) => changes.push({ at: fs.clock.now(), line: name, level }));
  }
  const read = (name: keyof typeof LINE) => chip.input(LINE[name]).read();
  /** A 300 ms relay pulse, as the gateway drives it. */
  const pulse = async (relay: 'open' | 'close') => {
    chip.output(LINE[relay]).write(1);
    await fs.clock.advance(300);
    chip.output(LINE[relay]).write(0);
  };
  return { barrier, changes, read, pulse };
}

/** The serial barrier's PTY, opened as the gateway would. */
async function serialWire(fs: FaultSite) {
  const host = await openHostEnd(pathOf(fs), format8N1(9600));
  closers.push(() => host.close());
  const rec = new ByteRecorder(host);
  const send = (cmd: string) => host.write(Buffer.from(`${cmd}\r`, 'latin1'));
  return { rec, send };
}

function pathOf(fs: FaultSite): string {
  const b = fs.site.lane('ser').barrier;
  return b.kind === 'serial-barrier' ? b.port.path : '';
}

describe('barrier faults on the wire', () => {
  it('arm-stuck (GPIO): after an open pulse the arm leaves closed and never shows limitOpen until freed', async () => {
    const fs = await setUp('in-process');
    const w = gpioWire(fs);
    await fs.inject({ fault: 'arm-stuck', lane: 'gpio', for: '60s' });
    await w.pulse('open');
    expect([w.read('limitOpen'), w.read('limitClosed')]).toEqual([0, 0]);
    await fs.clock.advance(8_000); // past the 6 s the gateway waits for a limit
    expect([w.read('limitOpen'), w.read('limitClosed')]).toEqual([0, 0]);
    expect(w.barrier.jammed).toBe(true);
    await w.pulse('open'); // a jammed motor ignores commands
    await fs.clock.advance(3_000);
    expect(w.read('limitOpen')).toBe(0);
    expect(w.changes.filter((c) => c.line === 'limitOpen' && c.level === 1)).toEqual([]);

    await fs.clock.advance(50_000); // the fault clears at 60 s
    expect(w.barrier.jammed).toBe(false);
    await w.pulse('open');
    await fs.clock.advance(2_500);
    expect(w.read('limitOpen')).toBe(1);
  });

  it('arm-stuck (serial): OK and ST OPENING, then ST FAULT instead of ST OPEN; commands get ERR FAULT', async () => {
    const fs = await setUp('pty');
    const { rec, send } = await serialWire(fs);
    await fs.inject({ fault: 'arm-stuck', lane: 'ser', for: '60s' });
    await send('OPEN');
    await rec.waitForText('ST OPENING LOOP=0\r');
    await fs.clock.advance(1_250); // half of the 2.5 s travel
    await rec.waitForText('ST FAULT LOOP=0\r');
    await fs.clock.advance(10_000);
    await send('OPEN');
    await rec.waitForText('ERR FAULT\r');
    expect(rec.bytes.toString('latin1')).toBe('OK\rST OPENING LOOP=0\rST FAULT LOOP=0\rERR FAULT\r');
  });

  it('stop-on-loop (GPIO): the loop line goes high while the arm is closing and stays high for `for`', async () => {
    const fs = await setUp('in-process');
    const w = gpioWire(fs);
    await w.pulse('open');
    await fs.clock.advance(2_500);
    expect(w.read('limitOpen')).toBe(1);
    await fs.inject({ fault: 'stop-on-loop', lane: 'gpio', for: '8s' });
    expect(w.read('loop')).toBe(0); // waits for the arm to close
    const closingAt = fs.clock.now();
    await w.pulse('close');
    const on = w.changes.find((c) => c.line === 'loop' && c.level === 1);
    expect(on?.at).toBe(closingAt);
    // At that moment the arm was between its limits: closing.
    expect(w.changes.filter((c) => c.at <= closingAt && c.line !== 'loop').at(-1)).toMatchObject({
      line: 'limitOpen',
      level: 0,
    });
    await fs.clock.advance(7_000);
    expect(w.read('loop')).toBe(1);
    await fs.clock.advance(1_000);
    expect(w.read('loop')).toBe(0);
    // This barrier has no interlock of its own: only a gateway that re-opens keeps the arm off the vehicle.
    expect(w.barrier.violations.map((v) => v.kind)).toContain('arm-down-on-vehicle');
  });

  it('stop-on-loop (serial): ST CLOSING LOOP=1 right after the CLOSE, then the loop clears after `for`', async () => {
    const fs = await setUp('pty');
    const { rec, send } = await serialWire(fs);
    await send('OPEN');
    await rec.waitForText('OK\r');
    await fs.clock.advance(2_500);
    await rec.waitForText('ST OPEN LOOP=0\r');
    await fs.inject({ fault: 'stop-on-loop', lane: 'ser', for: '8s' });
    rec.clear();
    await send('CLOSE');
    await rec.waitForText('ST CLOSING LOOP=1\r');
    expect(rec.bytes.toString('latin1')).toBe('OK\rST CLOSING LOOP=0\rST CLOSING LOOP=1\r');
    await fs.clock.advance(8_000);
    await rec.waitForText('ST CLOSED LOOP=0\r', 3000);
    expect(rec.bytes.toString('latin1')).toBe(
      'OK\rST CLOSING LOOP=0\rST CLOSING LOOP=1\rST CLOSED LOOP=1\rST CLOSED LOOP=0\r',
    );
  });

  it('tailgate (GPIO): the loop goes high again while limitOpen is still high after the first truck left', async () => {
    const fs = await setUp('in-process');
    const w = gpioWire(fs);
    await fs.inject({ fault: 'tailgate', lane: 'gpio' });
    const traffic = fs.run.traffic;
    traffic.lane('gpio').enqueue(traffic.population.next({ green: 1 }, 0));
    // Play the gateway: open once the code has been scanned.
    const scanned = () => fs.events.some((e) => e.subject === 'gpio scanner' && e.action === 'present');
    for (let i = 0; i < 30 && !scanned(); i++) await fs.clock.advance(500);
    expect(scanned()).toBe(true);
    await w.pulse('open');
    await fs.clock.advance(15_000);

    const loop = w.changes.filter((c) => c.line === 'loop').map((c) => c.level);
    expect(loop).toEqual([1, 0, 1, 0]);
    const [, firstOff, secondOn] = w.changes.filter((c) => c.line === 'loop');
    const openedAt = w.changes.find((c) => c.line === 'limitOpen' && c.level === 1)?.at ?? Infinity;
    expect(openedAt).toBeLessThan(firstOff?.at ?? 0);
    // After the trailer gap (1.5 s: sooner, the barrier would take it for the truck's trailer),
    // before an auto-close could start (2 s after that).
    expect((secondOn?.at ?? 0) - (firstOff?.at ?? 0)).toBeGreaterThan(1_500);
    expect((secondOn?.at ?? 0) - (firstOff?.at ?? 0)).toBeLessThan(3_500);
    expect(w.changes.some((c) => c.line === 'limitOpen' && c.level === 0)).toBe(false); // open all along
    expect(traffic.stats.tailgates).toBe(1);
    // The tailgater was never scanned: one code for two vehicles.
    expect(fs.events.filter((e) => e.action === 'present')).toHaveLength(1);
  });
});
