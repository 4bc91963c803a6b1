import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import { ErrorCode } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { GpioBarrierConfigSchema } from '../../../devices/barrier/config.ts';
import { createGpioBarrierDriver, type GpioBarrier } from '../../../devices/barrier/gpio-barrier.ts';
import type {
  BarrierCommandResult,
  DeviceErrorEvent,
  TailgateEvent,
  VehicleEvent,
} from '../../../devices/events.ts';
import { VirtualGpioChip } from '../../../devices/gpio/virtual-chip.ts';
import { SimGpioBarrier } from '../../../sim/devices/barrier/gpio-barrier.ts';

/**
 * The GPIO barrier driver end to end against the simulated barrier (sim/) on a virtual GPIO
 * chip, all on one ManualClock. The simulator records every breach of the safety rules.
 */
const lines = { open: 10, close: 11, limitOpen: 12, limitClosed: 13, loop: 14 };

async function setup(
  overrides: Record<string, unknown> = {},
  initial: 'closed' | 'open' = 'closed',
  before?: (chip: VirtualGpioChip) => void,
) {
  const clock = new ManualClock();
  const chip = new VirtualGpioChip('test');
  before?.(chip);
  // One loop and no trailer gap: the loop rules as the datasheet states them (the gap and the
  // other detectors: gpio-barrier-detectors.test.ts).
  const config = GpioBarrierConfigSchema.parse({
    kind: 'gpio',
    chip: 'test',
    lines,
    trailerGapMs: 0,
    ...overrides,
  });
  const sim = new SimGpioBarrier(config, chip, { clock, initial });
  await sim.start();
  const relayLog: string[] = [];
  chip.onOutput(lines.open, (l) => relayLog.push(`open=${l}`));
  chip.onOutput(lines.close, (l) => relayLog.push(`close=${l}`));
  const driver = createGpioBarrierDriver({ config, chip, clock, log: silentLogger() });
  const seen = {
    vehicles: [] as VehicleEvent[],
    tailgates: [] as TailgateEvent[],
    errors: [] as DeviceErrorEvent[],
  };
  driver.on('vehicle', (e) => seen.vehicles.push(e));
  driver.on('tailgate', (e) => seen.tailgates.push(e));
  driver.on('error', (e) => seen.errors.push(e));
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) await clock.advance(10);
  };
  const settle = (p: Promise<BarrierCommandResult>) => {
    const box: { value?: BarrierCommandResult } = {};
    void p.then((v) => {
      box.value = v;
    });
    return box;
  };
  return { clock, chip, sim, driver, relayLog, seen, run, settle };
}

describe('GPIO barrier driver against the simulated barrier on a virtual GPIO chip', () => {
  let driver: GpioBarrier | undefined;
  let sim: SimGpioBarrier | undefined;
  afterEach(async () => {
    await driver?.stop();
    await sim?.stop();
    driver = sim = undefined;
  });

  it('starts with both relays off and the state read from the limits', async () => {
    // A relay left on by a process that crashed.
    const t = await setup({}, 'open', (chip) => chip.output(lines.close).write(1));
    ({ driver, sim } = t);
    expect(t.chip.level(lines.close)).toBe(1);
    t.driver.start();
    expect(t.chip.level(lines.open)).toBe(0);
    expect(t.chip.level(lines.close)).toBe(0);
    expect(t.driver.state).toBe('open');
    expect(t.driver.health).toBe('online');
  });

  it('opens, lets a vehicle through, and closes 2 s after it cleared the loop, without a breach', async () => {
    const t = await setup();
    ({ driver, sim } = t);
    t.driver.start();
    t.sim.putVehicle();
    await t.run(50);
    const opened = t.settle(t.driver.open());
    await t.run(2400);
    expect(opened.value).toBeUndefined();
    await t.run(300);
    expect(opened.value).toMatchObject({ ok: true, state: 'open' });
    t.sim.removeVehicle();
    await t.run(1950);
    expect(t.sim.state).toBe('open');
    await t.run(200);
    expect(['closing', 'closed']).toContain(t.sim.state);
    await t.run(2600);
    expect(t.sim.state).toBe('closed');
    expect(t.driver.state).toBe('closed');
    expect(t.seen.vehicles.map((v) => v.kind)).toEqual(['arrived', 'cleared']);
    expect(t.sim.violations).toEqual([]);
    // Each command was a single 300 ms pulse.
    expect(t.relayLog).toEqual(['open=1', 'open=0', 'close=1', 'close=0']);
  });

  it('re-opens at once for a vehicle arriving while the arm closes, and never closes on it', async () => {
    const t = await setup();
    ({ driver, sim } = t);
    t.driver.start();
    await t.run(10);
    t.settle(t.driver.open());
    await t.run(2700);
    const closing = t.settle(t.driver.close());
    await t.run(100); // inside the close pulse
    expect(t.chip.level(lines.close)).toBe(1);
    t.sim.putVehicle();
    await t.run(30); // debounce
    expect(t.chip.level(lines.close)).toBe(0);
    expect(t.chip.level(lines.open)).toBe(1);
    expect(closing.value).toMatchObject({ ok: false, failure: 'unsafe' });
    await t.run(3000);
    expect(t.sim.state).toBe('open');
    // A close command while the vehicle is there is refused without touching the relay.
    const refused = t.settle(t.driver.close());
    await t.run(10);
    expect(refused.value).toMatchObject({ ok: false, failure: 'unsafe' });
    expect(t.seen.errors.at(-1)).toMatchObject({ errorCode: ErrorCode.BarrierUnsafe });
    t.sim.removeVehicle();
    await t.run(2100 + 2600);
    expect(t.sim.state).toBe('closed');
    expect(t.sim.violations).toEqual([]);
  });

  it('closes by itself 30 s after opening when no vehicle came', async () => {
    const t = await setup();
    ({ driver, sim } = t);
    t.driver.start();
    t.settle(t.driver.open());
    await t.run(2600);
    await t.run(29_000);
    expect(t.sim.state).toBe('open');
    await t.run(1000 + 2600);
    expect(t.sim.state).toBe('closed');
  });

  it('raises a tailgate alarm when a second vehicle reaches the loop before the arm is down', async () => {
    const t = await setup();
    ({ driver, sim } = t);
    t.driver.start();
    t.sim.putVehicle();
    await t.run(50);
    t.settle(t.driver.open());
    await t.run(2700);
    t.sim.removeVehicle();
    await t.run(500);
    t.sim.putVehicle();
    await t.run(50);
    expect(t.seen.tailgates).toHaveLength(1);
    expect(t.seen.tailgates[0]).toMatchObject({ barrierState: 'open' });
    t.sim.removeVehicle();
    await t.run(2100 + 2600);
    expect(t.sim.state).toBe('closed');
    expect(t.sim.violations).toEqual([]);
  });

  it('is in fault, with the reason, when a jammed arm does not reach its limit in 6 s', async () => {
    const t = await setup();
    ({ driver, sim } = t);
    t.driver.start();
    t.sim.jam(true);
    const opened = t.settle(t.driver.open());
    await t.run(5990);
    expect(opened.value).toBeUndefined();
    await t.run(20);
    expect(opened.value).toMatchObject({ ok: false, failure: 'fault', state: 'fault' });
    expect(opened.value && !opened.value.ok ? opened.value.reason : '').toMatch(/6000 ms/);
    expect(t.driver.health).toBe('degraded');
    expect(t.seen.errors.some((e) => e.errorCode === ErrorCode.BarrierFault)).toBe(true);
    t.sim.jam(false);
    const again = t.settle(t.driver.open());
    await t.run(2700);
    expect(again.value).toMatchObject({ ok: true });
    expect(t.driver.health).toBe('online');
  });

  it('drives active-low relays with inverted levels, idle high', async () => {
    const t = await setup({ activeHigh: false });
    ({ driver, sim } = t);
    t.driver.start();
    expect(t.chip.level(lines.open)).toBe(1);
    expect(t.chip.level(lines.close)).toBe(1);
    const opened = t.settle(t.driver.open());
    await t.run(10);
    expect(t.chip.level(lines.open)).toBe(0);
    await t.run(2700);
    expect(opened.value).toMatchObject({ ok: true });
    expect(t.chip.level(lines.open)).toBe(1);
  });
});
