import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { GpioBarrierConfigSchema } from '../../devices/barrier/config.ts';
import type { Level } from '../../devices/gpio/gpio.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { DEFAULT_TRAVEL_MS } from '../../sim/devices/barrier/arm.ts';
import { SimGpioBarrier } from '../../sim/devices/barrier/gpio-barrier.ts';

const LINES = { open: 10, close: 11, limitOpen: 12, limitClosed: 13, loop: 14 };

async function setup(options: { activeHigh?: boolean; interlock?: boolean } = {}) {
  const clock = new ManualClock();
  const chip = new VirtualGpioChip('test');
  const cfg = GpioBarrierConfigSchema.parse({
    kind: 'gpio',
    chip: 'test',
    lines: LINES,
    activeHigh: options.activeHigh ?? true,
  });
  const barrier = new SimGpioBarrier(cfg, chip, {
    clock,
    ...(options.interlock ? { interlock: { refuseClose: true, reverse: true } } : {}),
  });
  await barrier.start();
  const on: Level = cfg.activeHigh ? 1 : 0;
  const off: Level = cfg.activeHigh ? 0 : 1;
  // The gateway at start-up: both relays off.
  chip.output(LINES.open).write(off);
  chip.output(LINES.close).write(off);
  /** A relay pulse as the gateway drives it (datasheet: 300 ms). */
  const pulse = async (relay: 'open' | 'close', ms = 300) => {
    chip.output(LINES[relay]).write(on);
    await clock.advance(ms);
    chip.output(LINES[relay]).write(off);
  };
  const inputs = () => ({
    limitOpen: chip.input(LINES.limitOpen).read(),
    limitClosed: chip.input(LINES.limitClosed).read(),
    loop: chip.input(LINES.loop).read(),
  });
  return { clock, chip, barrier, pulse, inputs, on, off };
}

describe('simulated GPIO barrier (datasheet section 3)', () => {
  it('starts closed: limitClosed high, limitOpen and loop low', async () => {
    const { inputs, barrier } = await setup();
    expect(inputs()).toEqual({ limitOpen: 0, limitClosed: 1, loop: 0 });
    expect(barrier.state).toBe('closed');
  });

  it('an open pulse lifts the arm in about 2.5 s; limit switches follow the arm', async () => {
    const { pulse, inputs, clock, chip } = await setup();
    const changes: string[] = [];
    chip.input(LINES.limitOpen).watch((l) => changes.push(`open=${l}@${clock.now()}`));
    const t0 = clock.now();
    await pulse('open');
    expect(inputs()).toEqual({ limitOpen: 0, limitClosed: 0, loop: 0 }); // travelling
    await clock.advance(DEFAULT_TRAVEL_MS - 300 - 1);
    expect(inputs().limitOpen).toBe(0);
    await clock.advance(1);
    expect(inputs()).toEqual({ limitOpen: 1, limitClosed: 0, loop: 0 });
    expect(changes).toEqual([`open=1@${t0 + DEFAULT_TRAVEL_MS}`]);
    await pulse('close');
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(inputs()).toEqual({ limitOpen: 0, limitClosed: 1, loop: 0 });
  });

  it('works with active-low relays: the arm moves on the edge to the active level only', async () => {
    const { pulse, inputs, clock, barrier } = await setup({ activeHigh: false });
    expect(barrier.state).toBe('closed'); // the start-up write of "off" (high) moved nothing
    await pulse('open');
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(inputs().limitOpen).toBe(1);
  });

  it('drives the loop input from the control API', async () => {
    const { barrier, inputs } = await setup();
    barrier.putVehicle();
    expect(inputs().loop).toBe(1);
    expect(barrier.loopOccupied).toBe(true);
    barrier.removeVehicle();
    expect(inputs().loop).toBe(0);
  });

  it('records a close pulse on an occupied loop, and the arm coming down on the vehicle', async () => {
    const { barrier, pulse, clock } = await setup();
    await pulse('open');
    await clock.advance(DEFAULT_TRAVEL_MS);
    barrier.putVehicle();
    await pulse('close');
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(barrier.violations.map((v) => v.kind)).toEqual(['close-with-vehicle', 'arm-down-on-vehicle']);
  });

  it('a vehicle reaching the loop while closing: an open pulse reverses the arm, no violation', async () => {
    const { barrier, pulse, clock, inputs } = await setup();
    await pulse('open');
    await clock.advance(DEFAULT_TRAVEL_MS);
    await pulse('close');
    await clock.advance(500);
    barrier.putVehicle();
    expect(barrier.state).toBe('closing');
    const reopened = pulse('open');
    expect(barrier.state).toBe('opening');
    await reopened;
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(inputs().limitOpen).toBe(1);
    expect(barrier.violations).toEqual([]);
  });

  it('both relays energised together: the motor stops and it is recorded', async () => {
    const { chip, barrier, clock, inputs, on } = await setup();
    chip.output(LINES.open).write(on);
    await clock.advance(1000);
    chip.output(LINES.close).write(on);
    expect(barrier.state).toBe('stopped');
    expect(inputs()).toEqual({ limitOpen: 0, limitClosed: 0, loop: 0 });
    expect(barrier.violations.map((v) => v.kind)).toEqual(['relays-together']);
  });

  it('with the controller interlock on, it refuses to close on a vehicle and re-opens by itself', async () => {
    const { barrier, pulse, clock } = await setup({ interlock: true });
    await pulse('open');
    await clock.advance(DEFAULT_TRAVEL_MS);
    barrier.putVehicle();
    await pulse('close');
    expect(barrier.state).toBe('open');
    barrier.removeVehicle();
    await pulse('close');
    barrier.putVehicle();
    expect(barrier.state).toBe('opening');
  });

  it('a jammed arm ignores pulses (the gateway sees no limit within its travel timeout)', async () => {
    const { barrier, pulse, clock, inputs } = await setup();
    barrier.jam(true);
    await pulse('open');
    await clock.advance(6000);
    expect(inputs()).toEqual({ limitOpen: 0, limitClosed: 1, loop: 0 });
    barrier.jam(false);
    await pulse('open');
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(inputs().limitOpen).toBe(1);
  });

  it('stop() releases the lines: later relay writes move nothing', async () => {
    const { barrier, pulse, clock } = await setup();
    await barrier.stop();
    await pulse('open');
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(barrier.state).toBe('closed');
    expect(clock.pending).toBe(0);
  });
});
